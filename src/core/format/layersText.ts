/**
 * `--format text --layers`: a compact layers × tokens view of a range of tokens, as the tuned-lens
 * plots draw it: rows are layers (the final layer at the top, the embedding at the bottom), columns
 * the tokens (headed by the actual token), each cell the layer's top-1 prediction and the NLL of the
 * actual token at that layer (nats), its background coloured by that NLL when colour is on; `*`
 * marks a cell whose top-1 is the actual token. The prediction depth closes each column.
 */
import type { TokenRecord } from '../analysis';
import { isLensOff, type LayerLens, type LayerLensOutcome } from '../lens/types';
import { background, heatColor, type ColorMode } from './text';

const CELL = 11;
const LABEL = 10;
const RESET = '\x1b[0m';

/** A token's text with its whitespace and controls visible, cut to `width` characters. */
export function visibleText(text: string, width: number): string {
  const shown = JSON.stringify(text).slice(1, -1).replace(/ /g, '·');
  const chars = [...shown];
  return chars.length <= width ? shown : chars.slice(0, width - 1).join('') + '…';
}

function pad(s: string, width: number): string {
  const n = [...s].length;
  return n >= width ? s : s + ' '.repeat(width - n);
}

export interface LayersTextOptions {
  /** Document tokens [from, to) to show. */
  from: number;
  to: number;
  mode: ColorMode;
  /** Terminal width: the columns are printed in blocks that fit. */
  columns: number;
  topText(id: number): string;
}

export function formatLayersText(tokens: readonly TokenRecord[], outcome: LayerLensOutcome, o: LayersTextOptions): string {
  if (isLensOff(outcome)) return `\n${outcome.reason}\n`;
  const lens = outcome;
  const from = Math.max(o.from, lens.from);
  const to = Math.min(o.to, lens.from + lens.tokens);
  const perBlock = Math.max(1, Math.floor((o.columns - LABEL) / CELL));
  const lines = ['', `layer lens: tokens ${from}..${to - 1} of ${tokens.length}; cells: the layer's top-1 prediction and the NLL (nats) of the actual token at that layer; * = the top-1 is the actual token`];
  for (let start = from; start < to; start += perBlock) {
    const end = Math.min(to, start + perBlock);
    const cols = Array.from({ length: end - start }, (_, i) => start + i);
    lines.push('');
    lines.push(pad('token', LABEL) + cols.map(t => pad(visibleText(tokens[t].text, CELL - 1), CELL)).join(''));
    for (let l = lens.count - 1; l >= 0; l--) {
      const cells = cols.map(t => {
        const cell = l * lens.tokens + (t - lens.from);
        const top1 = lens.top1[cell];
        const nll = lens.nll[cell];
        if (top1 < 0 || !Number.isFinite(nll)) return pad('n/a', CELL);
        const mark = top1 === tokens[t].id ? '*' : '';
        const text = `${pad(visibleText(o.topText(top1), CELL - 6 - mark.length) + mark, CELL - 6)} ${nll.toFixed(1).padStart(4)} `;
        return o.mode === 'none' ? text : `${background(heatColor(nll), o.mode)}${text}${RESET}`;
      });
      lines.push(pad(lens.labels[l], LABEL) + cells.join(''));
    }
    lines.push(pad('depth', LABEL) + cols.map(t => pad(String(lens.depth[t - lens.from] < 0 ? 'n/a' : lens.depth[t - lens.from]), CELL)).join(''));
  }
  if (lens.alignment) lines.push('', ...alignmentTable(lens));
  else if (lens.alignmentOff) lines.push('', `alignment per layer: off (${lens.alignmentOff})`);
  return lines.join('\n') + '\n';
}

/** A_k at every layer for a few k, and the mean over k = 1..K (final layer on top). */
function alignmentTable(lens: LayerLens): string[] {
  const a = lens.alignment!;
  const K = Math.max(0, ...a.Ak.map(r => r.length));
  const ks = [1, 2, 4, 8, 16, 32].filter(k => k <= K);
  const out = [`alignment A_k per layer (${a.kernel} kernel, ${a.side} side${a.windows > 1 ? `, mean over ${a.windows} spectrum windows` : ''}):`];
  out.push(pad('layer', LABEL) + ks.map(k => `A_${k}`.padStart(8)).join('') + `mean A_1..${K}`.padStart(14));
  for (let l = lens.count - 1; l >= 0; l--) {
    const row = a.Ak[l];
    const mean = row.length ? row.reduce((s, x) => s + x, 0) / row.length : NaN;
    out.push(pad(lens.labels[l], LABEL) + ks.map(k => (row[k - 1] === undefined ? '-' : row[k - 1].toFixed(3)).padStart(8)).join('') + (Number.isFinite(mean) ? mean.toFixed(3) : '-').padStart(14));
  }
  if (a.note) out.push(a.note);
  return out;
}
