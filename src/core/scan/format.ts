/** A scan's lines as a CSV (one row per file) and as the terminal's ranked table. */
import { csvField } from '../format/csv';
import { isScored, type ScanLine } from './record';

const COLUMNS = ['path', 'sha256', 'bytes', 'tokens', 'bits_per_byte', 'mean_nll', 'perplexity', 'mean_entropy', 'hot_line', 'hot_bits_per_token', 'hot_text', 'skipped', 'error'];

function num(v: number | null | undefined): string {
  return typeof v === 'number' && Number.isFinite(v) ? String(v) : '';
}

export function formatScanCsv(lines: readonly ScanLine[]): string {
  const rows = [COLUMNS.join(',')];
  for (const l of lines) {
    if (isScored(l)) {
      const hot = l.hot[0];
      rows.push([csvField(l.path), l.sha256, String(l.bytes), String(l.tokens), num(l.bitsPerByte), num(l.meanNll), num(l.perplexity), num(l.meanEntropy),
        hot ? String(hot.line) : '', num(hot?.bitsPerToken), csvField(hot?.text ?? ''), '', ''].join(','));
    } else {
      rows.push([csvField(l.path), l.sha256 ?? '', num(l.bytes), '', '', '', '', '', '', '', '', l.skipped ?? '', csvField(l.error ?? l.message ?? '')].join(','));
    }
  }
  return rows.join('\r\n') + '\r\n';
}

const fixed = (v: number | null, digits: number): string => (v === null ? '-' : v.toFixed(digits));

/** The ranked table (the caller ranks): bits per byte, tokens, mean entropy, the path and its hottest line. */
export function formatScanTable(lines: readonly ScanLine[]): string {
  const out = ['bits/byte   tokens  entropy  file (hottest passage)'];
  let failed = 0;
  for (const l of lines) {
    if (isScored(l)) {
      const hot = l.hot[0];
      const where = hot ? `:${hot.line}  ${hot.text.length > 60 ? hot.text.slice(0, 59) + '…' : hot.text}` : '';
      const entropyBits = l.meanEntropy === null ? null : l.meanEntropy / Math.LN2;
      out.push(`${fixed(l.bitsPerByte, 4).padStart(9)} ${String(l.tokens).padStart(8)} ${fixed(entropyBits, 3).padStart(8)}  ${l.path}${where}`);
    } else {
      failed++;
      out.push(`${'-'.padStart(9)} ${'-'.padStart(8)} ${'-'.padStart(8)}  ${l.path}  (${l.skipped ? `skipped: ${l.skipped}` : 'error'}${l.error || l.message ? `: ${l.error ?? l.message}` : ''})`);
    }
  }
  out.push(`${lines.length - failed} files scored, ${failed} not scored`);
  return out.join('\n') + '\n';
}
