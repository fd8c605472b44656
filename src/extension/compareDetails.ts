/**
 * A token's details in a comparison, for the panel's tooltip and the editor hover: the other
 * model's own numbers at the same position with its top-k, and the joint metrics (one tokenizer), or
 * the common segment holding the token with both models' NLLs (two tokenizers). Pure.
 */
import type { CompareTokenRecord } from '../core/compare/records';
import type { TokenComparison, TokenDetails } from '../protocol/heatmapPanel';
import type { DocumentResult } from './results';
import { bits, percent, visibleWhitespace } from './tokenDetails';

/** `details` with the comparison's view of the same token added, when `result` is a comparison. */
export function withComparison(details: TokenDetails | null, result: DocumentResult): TokenDetails | null {
  const view = result.comparison;
  if (!details || !view) return details;
  const t = result.tokens[details.index] as Partial<CompareTokenRecord>;
  const comparison: TokenComparison = {
    against: view.against.name,
    nll: t.against?.nll ?? null, entropy: t.against?.entropy ?? null, rank: t.against?.rank ?? null,
    top: (t.against?.top ?? []).map(([id, prob]) => ({ id, text: view.againstTokenText(id), prob })),
    kl: t.kl ?? null, klReverse: t.klReverse ?? null, dNll: t.dNll ?? null, dP: t.dP ?? null,
    acceptance: t.acceptance ?? null, sameTop1: t.sameTop1 ?? null,
  };
  const segment = view.segments?.find(s => s.modelTokens[0] <= details.index && details.index < s.modelTokens[1]);
  if (segment) {
    comparison.segment = { start: segment.start, end: segment.end, text: result.text.slice(segment.start, segment.end), nllModel: segment.nllModel, nllAgainst: segment.nllAgainst, dNll: segment.dNll };
  }
  return { ...details, comparison };
}

const signedBits = (nats: number | null) => (nats === null ? 'n/a' : `${nats > 0 ? '+' : ''}${(nats / Math.LN2).toFixed(2)}`);

/**
 * Markdown for the editor hover of a compared token: both models' top-k side by side with their
 * probabilities, the token's KL, ΔNLL and whether the top-1 agrees. Token texts in code spans.
 */
export function comparisonMarkdown(d: TokenDetails, model: string): string {
  const c = d.comparison;
  if (!c) return '';
  const code = (s: string) => '`` ' + visibleWhitespace(s).replace(/`/g, 'ˋ').replace(/\|/g, '\\|') + ' ``';
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  if (c.segment) {
    return [
      `**Compared with ${cell(c.against)}** (different tokenizers): the common segment ${code(c.segment.text)}`,
      '',
      `NLL **${bits(c.segment.nllModel)} bits** (${cell(model)}) vs **${bits(c.segment.nllAgainst)} bits** (${cell(c.against)}) · ΔNLL **${signedBits(c.segment.dNll)} bits**`,
    ].join('\n');
  }
  const rows = Math.max(d.top.length, c.top.length);
  const table = ['', `| ${cell(model)} | p | ${cell(c.against)} | p |`, '|---|---:|---|---:|'];
  for (let i = 0; i < rows; i++) {
    const a = d.top[i];
    const b = c.top[i];
    table.push(`| ${a ? code(a.text) : ''} | ${a ? percent(a.prob) : ''} | ${b ? code(b.text) : ''} | ${b ? percent(b.prob) : ''} |`);
  }
  const klBits = c.kl === null ? 'n/a' : (c.kl / Math.LN2).toPrecision(3);
  const agree = c.sameTop1 === null ? 'n/a' : c.sameTop1 ? 'yes' : 'no';
  return [
    `**Compared with ${cell(c.against)}**: KL **${klBits} bits** · ΔNLL **${signedBits(c.dNll)} bits** (${cell(c.against)} − ${cell(model)}) · same top-1: **${agree}**`,
    '',
    `${cell(c.against)}: NLL ${bits(c.nll)} bits · rank ${c.rank ?? 'n/a'} · Δp ${c.dP === null ? 'n/a' : `${(c.dP * 100).toFixed(2)} pp`} · acceptance ${c.acceptance === null ? 'n/a' : percent(c.acceptance)}`,
    ...table,
  ].join('\n');
}
