/**
 * Combining scan lines: the latest line per path wins (a rescored file's new line follows its old
 * one; among files, later inputs win), and the ranking puts the least predictable files first.
 */
import { isScored, type ScanLine } from './record';

/** Keeps the last line seen for each path. */
export class LatestPerPath {
  private readonly lines = new Map<string, ScanLine>();

  add(line: ScanLine): void {
    // Delete first so that iteration order is the order of the latest lines.
    this.lines.delete(line.path);
    this.lines.set(line.path, line);
  }

  get(path: string): ScanLine | undefined {
    return this.lines.get(path);
  }

  get size(): number {
    return this.lines.size;
  }

  values(): ScanLine[] {
    return [...this.lines.values()];
  }
}

/**
 * Worst first: scored files by bits per byte, descending (ties by path); then scored files without
 * a figure (empty files); then files that were skipped or failed, by path. Paths compare by code
 * unit, so the order is the same on every machine.
 */
export function rankLines(lines: readonly ScanLine[]): ScanLine[] {
  const group = (l: ScanLine): number => (isScored(l) ? (l.bitsPerByte === null ? 1 : 0) : 2);
  return [...lines].sort((a, b) => {
    const ga = group(a);
    const gb = group(b);
    if (ga !== gb) return ga - gb;
    if (ga === 0) {
      const d = (b as { bitsPerByte: number }).bitsPerByte - (a as { bitsPerByte: number }).bitsPerByte;
      if (d !== 0) return d;
    }
    return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
  });
}

/** Lines of several inputs (in order) as one ranked list, one line per path. */
export function mergeLines(inputs: Iterable<Iterable<ScanLine>>): ScanLine[] {
  const latest = new LatestPerPath();
  for (const input of inputs) for (const line of input) latest.add(line);
  return rankLines(latest.values());
}
