/** What every command's argument parser shares: the usage error and flag splitting. */
import { InputError } from '../core/errors';

export function usage(message: string): InputError {
  return new InputError(`${message} (see markov-lens --help)`, 'settings-invalid');
}

export function integer(flag: string, value: string): number {
  if (!/^\d+$/.test(value)) throw usage(`${flag}: expected a whole number, got "${value}"`);
  return Number(value);
}

export interface SplitFlags {
  /** The last value of each value flag, and every value of a repeatable one. */
  values: Map<string, string[]>;
  switches: Set<string>;
  positional: string[];
}

/** `--flag value`, `--flag=value`, switches and positionals; an unknown `-x` is an error. */
export function splitFlags(argv: readonly string[], valueFlags: ReadonlySet<string>, switchFlags: ReadonlySet<string>): SplitFlags {
  const values = new Map<string, string[]>();
  const switches = new Set<string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (valueFlags.has(flag)) {
      const value = eq > 0 && arg.startsWith('--') ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) throw usage(`${flag}: needs a value`);
      values.set(flag, [...(values.get(flag) ?? []), value]);
    } else if (switchFlags.has(arg)) switches.add(arg);
    else if (arg.startsWith('-') && arg !== '-') throw usage(`unknown option ${arg}`);
    else positional.push(arg);
  }
  return { values, switches, positional };
}
