/**
 * The folder scan table's order and filter (no DOM): sort by a column either way, scored files
 * always above those that were skipped or failed, and a case-insensitive path filter.
 */
import { isScored, type ScanLine } from '../../src/core/scan/record';

export type SortKey = 'path' | 'tokens' | 'bitsPerByte' | 'meanEntropy' | 'hot';
export const SORT_KEYS: readonly SortKey[] = ['path', 'tokens', 'bitsPerByte', 'meanEntropy', 'hot'];

export interface TableView {
  sort: SortKey;
  descending: boolean;
  filter: string;
}

export const DEFAULT_VIEW: TableView = { sort: 'bitsPerByte', descending: true, filter: '' };

/** The column's number for a row (null: no figure, sorted last either way). */
function value(row: ScanLine, key: Exclude<SortKey, 'path'>): number | null {
  if (!isScored(row)) return null;
  if (key === 'hot') return row.hot[0]?.bitsPerToken ?? null;
  return row[key];
}

export function viewRows(rows: readonly ScanLine[], view: TableView): ScanLine[] {
  const needle = view.filter.trim().toLowerCase();
  const kept = needle ? rows.filter(r => r.path.toLowerCase().includes(needle)) : [...rows];
  const sign = view.descending ? -1 : 1;
  const byPath = (a: ScanLine, b: ScanLine) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  if (view.sort === 'path') return kept.sort((a, b) => sign * byPath(a, b));
  const key = view.sort;
  return kept.sort((a, b) => {
    const va = value(a, key);
    const vb = value(b, key);
    if (va === null || vb === null) return va === vb ? byPath(a, b) : va === null ? 1 : -1;
    return va !== vb ? sign * (va - vb) : byPath(a, b);
  });
}
