import { InputError } from '../core/input-error.js';

/**
 * `checkConfig` for a monitor that takes no config file: a suite naming one for it holds a mistake (the wrong
 * sensor, or a file meant for another), which must not pass as if the file had been used.
 */
export function refuseConfig(tool: string, why: string): (file: string, text: string) => void {
  return (file) => {
    throw new InputError({ file, line: 1, col: 1 }, `a config file for ${tool}`, `no config: ${why}`);
  };
}
