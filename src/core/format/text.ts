/**
 * `--format text`: the document as a terminal heatmap, each token's background coloured by its NLL
 * (ANSI 256-colour or truecolor), with a legend and a summary line. Without colour it prints a
 * per-token table instead (a heatmap without colour says nothing).
 */
import type { DocumentSummary, TokenRecord } from '../analysis';

export type ColorMode = 'none' | '256' | 'truecolor';

/** NLL (nats) at which the scale saturates. A fixed scale keeps colours comparable across files. */
export const HEATMAP_MAX_NATS = 10;

export type Rgb = [number, number, number];
/** Green (expected) -> yellow -> red (surprising); readable with black text on each. */
const STOPS: Rgb[] = [[120, 200, 120], [240, 220, 90], [240, 120, 60], [220, 40, 40]];
const NON_FINITE: Rgb = [200, 90, 220];
const RESET = '\x1b[0m';

export function heatColor(nll: number | null): Rgb {
  if (nll === null) return NON_FINITE;
  return interpolateStops(STOPS, nll / HEATMAP_MAX_NATS);
}

/** The colour at x in [0, 1] (clamped) along evenly spaced colour stops. */
export function interpolateStops(stops: readonly Rgb[], x: number): Rgb {
  const at = Math.min(1, Math.max(0, x)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(at));
  const f = at - i;
  return [0, 1, 2].map(c => Math.round(stops[i][c] + (stops[i + 1][c] - stops[i][c]) * f)) as Rgb;
}

/** The escape sequence that sets a background colour (and black text). */
export function background(rgb: Rgb, mode: ColorMode): string {
  if (mode === 'truecolor') return `\x1b[30;48;2;${rgb[0]};${rgb[1]};${rgb[2]}m`;
  const level = (v: number): number => Math.round((v / 255) * 5);
  return `\x1b[30;48;5;${16 + 36 * level(rgb[0]) + 6 * level(rgb[1]) + level(rgb[2])}m`;
}

export function fixed(v: number | null, digits: number): string {
  return v === null ? 'n/a' : v.toFixed(digits);
}

export function summaryLine(s: DocumentSummary): string {
  const bits = s.meanNll === null ? 'n/a' : (s.meanNll / Math.LN2).toFixed(3);
  return `${s.tokens} tokens | mean NLL ${fixed(s.meanNll, 3)} nats (${bits} bits) | perplexity ${fixed(s.perplexity, 2)} | ` +
    `${fixed(s.bitsPerByte, 3)} bits/byte | mean entropy ${fixed(s.meanEntropy, 3)} nats | non-finite ${s.nonFinite}`;
}

function legend(mode: ColorMode): string {
  const steps = [0, 2, 4, 6, 8, 10].map(v => `${background(heatColor(v), mode)} ${v}${v === HEATMAP_MAX_NATS ? '+' : ''} ${RESET}`);
  return `NLL (nats): ${steps.join('')} ${background(NON_FINITE, mode)} n/a ${RESET}`;
}

/** Colours `text` slice by slice; newlines are left uncoloured so backgrounds do not bleed. */
function paint(text: string, colour: string): string {
  return text.split('\n').map(line => (line ? colour + line + RESET : line)).join('\n');
}

/** The text with each span's background coloured; text between spans stays plain. Ends with a newline. */
export function paintSpans(text: string, spans: Iterable<{ start: number; end: number; rgb: Rgb }>, mode: ColorMode): string {
  let out = '';
  let at = 0;
  for (const t of spans) {
    if (t.start < at || t.end <= t.start) continue; // a partial token left with no whole character
    if (t.start > at) out += text.slice(at, t.start);
    out += paint(text.slice(t.start, t.end), background(t.rgb, mode));
    at = t.end;
  }
  out += text.slice(at);
  return out.endsWith('\n') ? out : out + '\n';
}

export function formatText(text: string, tokens: readonly TokenRecord[], summary: DocumentSummary, mode: ColorMode): string {
  if (mode === 'none') return formatTable(tokens, summary);
  const out = paintSpans(text, tokens.map(t => ({ start: t.start, end: t.end, rgb: heatColor(t.nll) })), mode);
  return `${out}\n${legend(mode)}\n${summaryLine(summary)}\n`;
}

/** Plain text: one row per token (the text JSON-escaped so whitespace is visible). */
function formatTable(tokens: readonly TokenRecord[], summary: DocumentSummary): string {
  const rows = ['index  nll(nats)  entropy  rank  token'];
  for (const t of tokens) {
    rows.push(`${String(t.index).padStart(5)}  ${fixed(t.nll, 3).padStart(9)}  ${fixed(t.entropy, 3).padStart(7)}  ${String(t.rank ?? 'n/a').padStart(4)}  ${JSON.stringify(t.text)}`);
  }
  return `${rows.join('\n')}\n${summaryLine(summary)}\n`;
}
