/**
 * The tooltip's comparison part: the token's KL, ΔNLL and top-1 agreement, the other model's NLL
 * and rank, and both models' top-k side by side with their probabilities (across tokenizers: the
 * common segment with both models' NLLs). DOM built with textContent only.
 */
import type { TokenDetails } from '../../src/protocol/heatmapPanel';

type Row = (label: string, value: string) => HTMLElement;

const bits = (nats: number | null) => (nats === null ? 'n/a' : `${(nats / Math.LN2).toFixed(2)} bits`);
const signedBits = (nats: number | null) => (nats === null ? 'n/a' : `${nats > 0 ? '+' : ''}${(nats / Math.LN2).toFixed(2)} bits`);

function cell(className: string, text: string): HTMLElement {
  const e = document.createElement('span');
  e.className = className;
  e.textContent = text;
  return e;
}

export function comparisonBlock(d: TokenDetails, model: string, row: Row, visible: (s: string) => string): HTMLElement[] {
  const c = d.comparison!;
  if (c.segment) {
    return [
      row('Segment', visible(c.segment.text)),
      row(`NLL ${model}`, bits(c.segment.nllModel)),
      row(`NLL ${c.against}`, bits(c.segment.nllAgainst)),
      row('ΔNLL', signedBits(c.segment.dNll)),
    ];
  }
  const kl = c.kl === null ? 'n/a' : `${(c.kl / Math.LN2).toPrecision(3)} bits`;
  const rows = [
    row('KL', kl),
    row('ΔNLL', signedBits(c.dNll)),
    row('Same top-1', c.sameTop1 === null ? 'n/a' : c.sameTop1 ? 'yes' : 'no'),
    row(`${c.against}`, `NLL ${bits(c.nll)}, rank ${c.rank ?? 'n/a'}`),
  ];
  const grid = document.createElement('div');
  grid.className = 'tt-top2';
  grid.append(cell('tt-head', model), cell('tt-head', ''), cell('tt-head', c.against), cell('tt-head', ''));
  const n = Math.max(d.top.length, c.top.length);
  for (let i = 0; i < n; i++) {
    const a = d.top[i];
    const b = c.top[i];
    grid.append(
      cell('tt-pred-text', a ? visible(a.text) : ''), cell('tt-pred-prob', a ? `${(a.prob * 100).toFixed(1)}%` : ''),
      cell('tt-pred-text', b ? visible(b.text) : ''), cell('tt-pred-prob', b ? `${(b.prob * 100).toFixed(1)}%` : ''),
    );
  }
  return [...rows, grid];
}
