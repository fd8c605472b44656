/**
 * `compare --format text`: the file as a terminal heatmap coloured by KL(P || Q) per token (one
 * tokenizer) or by ΔNLL per common segment (two tokenizers), with a legend, above the llama.cpp-style
 * summary block. Without colour it prints a per-token (per-segment) table instead.
 */
import { background, type ColorMode, interpolateStops, paintSpans, type Rgb } from '../format/text';
import type { Comparison } from './comparison';
import { summaryBlock } from './summaryBlock';

const RESET = '\x1b[0m';
const NONE: Rgb = [200, 90, 220];

/** KL in nats on a log scale: 1e-6 (or less) is cool, 1 (or more) is hot. */
const KL_STOPS: Rgb[] = [[120, 200, 120], [240, 220, 90], [240, 120, 60], [220, 40, 40]];
export const KL_SCALE = { min: 1e-6, max: 1 };

export function klColor(kl: number | null): Rgb {
  if (kl === null || !Number.isFinite(kl)) return NONE;
  const x = (Math.log10(Math.max(kl, KL_SCALE.min)) - Math.log10(KL_SCALE.min)) / (Math.log10(KL_SCALE.max) - Math.log10(KL_SCALE.min));
  return interpolateStops(KL_STOPS, x);
}

/** ΔNLL (nats, Q − base): blue where Q is better (negative), grey at 0, red where Q is worse; saturates at ±4. */
export function dNllColor(dNll: number | null): Rgb {
  if (dNll === null || !Number.isFinite(dNll)) return NONE;
  const x = Math.max(-1, Math.min(1, dNll / 4));
  return x < 0 ? interpolateStops([[200, 200, 200], [110, 160, 240]], -x) : interpolateStops([[200, 200, 200], [235, 90, 70]], x);
}

function legend(c: Comparison, mode: ColorMode): string {
  const swatch = (rgb: Rgb, label: string) => `${background(rgb, mode)} ${label} ${RESET}`;
  if (c.kind === 'same-tokenizer') {
    return `KL(base || Q), nats: ${[1e-6, 1e-4, 1e-2, 1].map(v => swatch(klColor(v), v === 1 ? '1+' : v.toExponential(0))).join('')} ${swatch(NONE, 'n/a')}`;
  }
  return `ΔNLL per common segment, nats (Q − base): ${[-4, -1, 0, 1, 4].map(v => swatch(dNllColor(v), `${v > 0 ? '+' : ''}${v}`)).join('')} ${swatch(NONE, 'n/a')}`;
}

function table(text: string, c: Comparison): string {
  const f = (v: number | null, d: number) => (v === null ? 'n/a' : v.toFixed(d));
  if (c.kind === 'same-tokenizer') {
    const rows = ['index  nll(base)  nll(Q)    kl        dnll      dp       top1  token'];
    for (const t of c.tokens) {
      rows.push(`${String(t.index).padStart(5)}  ${f(t.nll, 3).padStart(9)}  ${f(t.against.nll, 3).padStart(8)}  ${f(t.kl, 6).padStart(8)}  ${f(t.dNll, 4).padStart(8)}  ${f(t.dP, 4).padStart(7)}  ${t.sameTop1 === null ? 'n/a' : t.sameTop1 ? 'same' : 'diff'}  ${JSON.stringify(t.text)}`);
    }
    return rows.join('\n') + '\n';
  }
  const rows = ['start    end  nll(base)  nll(Q)    dnll      text'];
  for (const s of c.segments) {
    rows.push(`${String(s.start).padStart(5)}  ${String(s.end).padStart(5)}  ${f(s.nllModel, 3).padStart(9)}  ${f(s.nllAgainst, 3).padStart(8)}  ${f(s.dNll, 4).padStart(8)}  ${JSON.stringify(text.slice(s.start, s.end))}`);
  }
  return rows.join('\n') + '\n';
}

export function formatComparisonText(text: string, c: Comparison, mode: ColorMode): string {
  if (mode === 'none') return `${table(text, c)}\n${summaryBlock(c)}`;
  const pieces = c.kind === 'same-tokenizer'
    ? c.tokens.map(t => ({ start: t.start, end: t.end, rgb: klColor(t.kl) }))
    : c.segments.map(s => ({ start: s.start, end: s.end, rgb: dNllColor(s.dNll) }));
  return `${paintSpans(text, pieces, mode)}\n${legend(c, mode)}\n\n${summaryBlock(c)}`;
}
