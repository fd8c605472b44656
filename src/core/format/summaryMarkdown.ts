/**
 * "Copy summary": an analysis's figures as a Markdown table for issues and papers: the model, tokens,
 * bits per byte, perplexity and mean entropy (exact, from the token records), and, for a comparison,
 * the other model's figures and the comparison's main statistics (same definitions as the CLI's
 * summary block, core/compare/summaryBlock.ts).
 */
import type { DocumentSummary, ModelInfo } from '../analysis';
import type { ComparisonSummary } from '../compare/summary';

export interface SummaryInput {
  fileName: string;
  model: ModelInfo;
  summary: DocumentSummary;
  comparison?: { against: ModelInfo; sameTokenizer: boolean; summary: ComparisonSummary };
}

/** Text safe inside a Markdown table cell: no pipes, line breaks or markup. */
export function markdownCell(text: string): string {
  return text.replace(/[\\`*_[\]<>|#]/g, c => `\\${c}`).replace(/\r?\n|\r/g, ' ');
}

const fixed = (v: number | null | undefined, digits: number): string => (v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(digits));
const bits = (nats: number | null | undefined, digits = 4): string => (nats === null || nats === undefined ? 'n/a' : fixed(nats / Math.LN2, digits));
const withSe = (v: number | null | undefined, se: number | null | undefined, digits: number): string =>
  (se === null || se === undefined || !Number.isFinite(se) ? fixed(v, digits) : `${fixed(v, digits)} ± ${fixed(se, digits)}`);
const percent = (v: number | null | undefined): string => (v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : `${(100 * v).toFixed(2)} %`);

function modelLine(m: ModelInfo): string {
  return `${markdownCell(m.name)} (${markdownCell(m.modelType)}, ${m.layers} layers, width ${m.hiddenSize}, vocabulary ${m.vocabSize}, context ${m.contextLength}, ${markdownCell(m.dtype)}${m.quantization ? `, ${markdownCell(m.quantization)}` : ''})`;
}

function comparisonBlock(c: NonNullable<SummaryInput['comparison']>, base: ModelInfo): string[] {
  const s = c.summary;
  const lines = [
    '',
    `**Compared with** ${markdownCell(c.against.name)} (${c.sameTokenizer ? 'the same tokenizer' : 'a different tokenizer'}; base = ${markdownCell(base.name)}, Q = ${markdownCell(c.against.name)})`,
    '',
    '| | base | Q |',
    '|---|---:|---:|',
    `| Model | ${modelLine(base)} | ${modelLine(c.against)} |`,
    `| Bits per byte | ${fixed(s.bitsPerByte.model, 4)} | ${fixed(s.bitsPerByte.against, 4)} |`,
  ];
  if (s.ppl) lines.push(`| Perplexity (same ${s.tokens - s.excluded} tokens) | ${withSe(s.ppl.model.value, s.ppl.model.se, 3)} | ${withSe(s.ppl.against.value, s.ppl.against.se, 3)} |`);
  lines.push('', '| Comparison | value |', '|---|---:|');
  if (c.sameTokenizer) {
    lines.push(`| Mean KL(base ‖ Q), nats | ${withSe(s.kld?.mean, s.kld?.se, 6)} |`);
    lines.push(`| Mean PPL(Q) / PPL(base) | ${fixed(s.pplRatio, 4)} |`);
    lines.push(`| Same top-1 token | ${percent(s.sameTop1?.value)} |`);
    lines.push(`| Speculative acceptance α (Q drafts) | ${percent(s.acceptance?.mean)} |`);
  } else {
    lines.push(`| Common segments | ${s.segments ?? 'n/a'} |`);
    lines.push(`| Mean ΔNLL per segment (Q − base), nats | ${withSe(s.segmentDNll?.mean, s.segmentDNll?.se, 4)} |`);
  }
  if (s.undefinedReason) lines.push('', `Per-token statistics are not defined: ${markdownCell(s.undefinedReason)}.`);
  return lines;
}

export function formatSummaryMarkdown(input: SummaryInput): string {
  const s = input.summary;
  const lines = [
    `**Markov Lens**: ${markdownCell(input.fileName)}`,
    '',
    '| | |',
    '|---|---:|',
    `| Model | ${modelLine(input.model)} |`,
    `| Tokens | ${s.tokens}${s.nonFinite ? ` (${s.nonFinite} with non-finite logits left out)` : ''} |`,
    `| Bits per byte | ${fixed(s.bitsPerByte, 4)} |`,
    `| Perplexity | ${fixed(s.perplexity, 3)} |`,
    `| Mean NLL | ${bits(s.meanNll)} bits/token |`,
    `| Mean entropy | ${bits(s.meanEntropy)} bits/token |`,
  ];
  if (input.comparison) lines.push(...comparisonBlock(input.comparison, input.model));
  return lines.join('\n') + '\n';
}
