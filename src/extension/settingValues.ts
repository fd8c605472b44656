/** Reading settings whose values come from untrusted JSON (no vscode import: unit-tested directly). */

/** Upper bound of markovLens.geometry.deepSurplus (as in package.json): positions, each a decode step of batch 8. */
export const MAX_DEEP_SURPLUS = 4096;

/**
 * A whole-number setting: a wrong type falls back to the default and an out-of-range number to the
 * nearest bound, each with a line in `problems` naming the setting (shown to the user, never silent).
 */
export function wholeNumberSetting(key: string, value: unknown, fallback: number, min: number, max: number, problems: string[]): number {
  const name = `markovLens.${key}`;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    const shown = typeof value === 'number' ? String(value) : JSON.stringify(value) ?? String(value);
    problems.push(`${name}: ${shown} is not a number; using ${fallback}`);
    return fallback;
  }
  const n = Math.round(value);
  const used = Math.min(max, Math.max(min, n));
  if (used !== value) problems.push(`${name}: ${value} is not a whole number from ${min} to ${max}; using ${used}`);
  return used;
}

/** A boolean setting: anything but true or false falls back to the default, with a line in `problems`. */
export function booleanSetting(key: string, value: unknown, fallback: boolean, problems: string[]): boolean {
  if (typeof value === 'boolean') return value;
  problems.push(`markovLens.${key}: ${JSON.stringify(value) ?? String(value)} is not true or false; using ${fallback}`);
  return fallback;
}
