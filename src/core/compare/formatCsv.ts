/** `compare --format csv`: one row per token (one tokenizer) or per common segment (two). Nats. */
import { csvField } from '../format/csv';
import type { Comparison } from './comparison';

const TOKEN_COLUMNS = ['index', 'id', 'text', 'start', 'end', 'partial', 'context',
  'nll_model', 'nll_against', 'entropy_model', 'entropy_against', 'rank_model', 'rank_against',
  'kl', 'kl_reverse', 'js', 'tv', 'acceptance', 'dnll', 'dp', 'same_top1', 'top_ids_model', 'top_ids_against'];
const SEGMENT_COLUMNS = ['start', 'end', 'text', 'nll_model', 'nll_against', 'dnll', 'model_tokens', 'against_tokens'];

function num(v: unknown): string {
  return typeof v === 'number' && Number.isFinite(v) ? String(v) : '';
}

export function formatComparisonCsv(text: string, c: Comparison): string {
  const lines: string[] = [];
  if (c.kind === 'same-tokenizer') {
    lines.push(TOKEN_COLUMNS.join(','));
    for (const t of c.tokens) {
      lines.push([
        String(t.index), String(t.id), csvField(t.text), String(t.start), String(t.end), t.partial ? '1' : '0', String(t.context),
        num(t.nll), num(t.against.nll), num(t.entropy), num(t.against.entropy), num(t.rank), num(t.against.rank),
        num(t.kl), num(t.klReverse), num(t.js), num(t.tv), num(t.acceptance), num(t.dNll), num(t.dP),
        t.sameTop1 === null ? '' : t.sameTop1 ? '1' : '0',
        t.top.map(p => p[0]).join(' '), t.against.top.map(p => p[0]).join(' '),
      ].join(','));
    }
  } else {
    lines.push(SEGMENT_COLUMNS.join(','));
    for (const s of c.segments) {
      lines.push([String(s.start), String(s.end), csvField(text.slice(s.start, s.end)), num(s.nllModel), num(s.nllAgainst), num(s.dNll),
        `${s.modelTokens[0]}-${s.modelTokens[1]}`, `${s.againstTokens[0]}-${s.againstTokens[1]}`].join(','));
    }
  }
  return lines.join('\r\n') + '\r\n';
}
