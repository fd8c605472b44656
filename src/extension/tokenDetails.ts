/**
 * What one token's tooltip and hover say: its text with whitespace made visible, id, NLL, entropy,
 * rank, the top-k predictions with their text, and the tail of the context the model had. Pure.
 */
import type { TokenRecord } from '../core/analysis';
import type { TokenDetails } from '../protocol/heatmapPanel';

const CONTEXT_TAIL_CHARS = 60;

/** Shows whitespace and control characters as visible symbols (·, →, ↵, ␍, ␀...). */
export function visibleWhitespace(text: string): string {
  return text
    .replace(/ /g, '·')
    .replace(/\t/g, '→')
    .replace(/\r/g, '␍')
    .replace(/\n/g, '↵')
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, c => String.fromCharCode(0x2400 + c.charCodeAt(0)));
}

export function tokenDetails(tokens: readonly TokenRecord[], text: string, index: number,
  tokenText: (id: number) => string): TokenDetails | null {
  const t = tokens[index];
  if (!t) return null;
  // `context` counts the prefix token too, so the model saw context - 1 document tokens before this one.
  const firstSeen = tokens[Math.max(0, index - (t.context - 1))];
  const from = t.context > 1 && firstSeen ? firstSeen.start : t.start;
  const seen = text.slice(from, t.start);
  const contextTail = seen.length > CONTEXT_TAIL_CHARS ? '…' + seen.slice(-CONTEXT_TAIL_CHARS) : seen;
  return {
    index, id: t.id, text: t.text,
    nll: t.nll, entropy: t.entropy, rank: t.rank, context: t.context,
    contextTail,
    top: t.top.map(([id, prob]) => ({ id, text: tokenText(id), prob })),
  };
}

export const bits = (nats: number | null): string => (nats === null ? 'n/a' : (nats / Math.LN2).toFixed(2));
export const percent = (p: number): string => (p >= 0.001 ? `${(p * 100).toFixed(1)}%` : p.toExponential(1));

/** Markdown for the editor hover. Token texts go inside code spans, with backticks escaped. */
export function hoverMarkdown(d: TokenDetails, stale: boolean): string {
  const code = (s: string) => '`` ' + visibleWhitespace(s).replace(/`/g, 'ˋ').replace(/\|/g, '\\|') + ' ``';
  const lines = [
    `**Markov Lens** token ${code(d.text)} (id ${d.id})`,
    '',
    `NLL **${bits(d.nll)} bits** · entropy **${bits(d.entropy)} bits** · rank **${d.rank ?? 'n/a'}** · context ${d.context} tokens`,
    // No predictions (a non-finite row, or a comparison's hover, which lists both models'): no table.
    ...(d.top.length ? ['', '| prediction | probability |', '|---|---:|', ...d.top.map(p => `| ${code(p.text)} | ${percent(p.prob)} |`)] : []),
  ];
  if (stale) lines.push('', '_The document changed since this analysis._');
  return lines.join('\n');
}
