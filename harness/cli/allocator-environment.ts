/**
 * bin/harness's #! line starts node with glibc's allocator settings for the harness's own memory: every block of
 * 128 KB or more its own mapping, given back when freed (MALLOC_MMAP_THRESHOLD_), and those of 2 MB or more backed
 * by huge pages (glibc.malloc.hugetlb=1, put before the user's own GLIBC_TUNABLES). glibc reads them once, at the
 * start; the monitors the harness runs inherit its environment, and must start with their allocator's defaults and
 * the user's own tunables, so that the memory and CPU measured of them are what they cost on a sensor.
 */
const HARNESS_TUNABLES = 'glibc.malloc.hugetlb=1';

/** Takes the harness's own settings out of `env` (this process's, by default), leaving the user's as they were. */
export function giveBackAllocatorEnvironment(env: NodeJS.ProcessEnv = process.env): void {
  delete env.MALLOC_MMAP_THRESHOLD_;
  const tunables = env.GLIBC_TUNABLES;
  if (tunables === undefined) return;
  // The #! line writes ours, a colon, then the user's (none: nothing after the colon).
  const ours = `${HARNESS_TUNABLES}:`;
  const users = `${tunables}:`.startsWith(ours) ? tunables.slice(ours.length) : tunables;
  if (users === '') delete env.GLIBC_TUNABLES;
  else env.GLIBC_TUNABLES = users;
}
