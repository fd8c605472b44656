/** One CSV row per token (RFC 4180 quoting), for spreadsheets and pandas. */
import type { TokenRecord } from '../analysis';

const COLUMNS = ['index', 'id', 'text', 'start', 'end', 'partial', 'context', 'nll', 'entropy', 'varentropy', 'rank', 'top_ids', 'top_probs'];

/** Quotes a field when it holds a comma, quote, CR or LF (quotes doubled). */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function num(v: unknown): string {
  return typeof v === 'number' && Number.isFinite(v) ? String(v) : '';
}

export function formatCsv(tokens: readonly TokenRecord[]): string {
  const lines = [COLUMNS.join(',')];
  for (const t of tokens) {
    lines.push([
      String(t.index),
      String(t.id),
      csvField(t.text),
      String(t.start),
      String(t.end),
      t.partial ? '1' : '0',
      String(t.context),
      num(t.nll),
      num(t.entropy),
      num(t.varentropy),
      num(t.rank),
      t.top.map(p => p[0]).join(' '),
      t.top.map(p => p[1]).join(' '),
    ].join(','));
  }
  return lines.join('\r\n') + '\r\n';
}
