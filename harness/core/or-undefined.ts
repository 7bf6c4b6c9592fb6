/**
 * The value `read` gives, or undefined when it throws: for reads whose failure means only "not there" (a file gone
 * meanwhile, a lock never written, a folder that cannot be made), where the caller decides what absence means.
 */
export function orUndefined<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
