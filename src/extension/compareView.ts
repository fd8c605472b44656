/**
 * What the extension keeps of a comparison beside the base model's records (DocumentResult): the
 * other model, the per-token comparison columns the views colour by, the segments across
 * tokenizers, the summary once finished, and the metric the views show it with.
 */
import type { ModelInfo } from '../core/analysis';
import type { Comparison, TokenizerMatch } from '../core/compare/comparison';
import { COMPARE_METRICS, emptyCompareColumns, type CompareColumns } from '../core/compare/heat';
import type { Segment } from '../core/compare/segments';
import type { ComparisonSummary } from '../core/compare/summary';
import type { PanelMetric } from '../protocol/heatmapPanel';

export interface ComparisonView {
  against: ModelInfo;
  /** The other model's folder, to compare again (live mode, Re-run). */
  againstDir: string;
  tokenizer?: TokenizerMatch;
  /** Per token of the base model (filled as records stream in; across tokenizers once the segments exist). */
  columns: CompareColumns;
  segments?: Segment[];
  summary?: ComparisonSummary;
  /** What the panel and the inline heatmap show: a comparison metric, or one of the base model's own. */
  metric: PanelMetric;
  againstTokenText(id: number): string;
  /** The finished comparison (live mode passes it back to the engine). */
  result?: Comparison;
}

export function sliceColumns(columns: CompareColumns, first: number, count: number): CompareColumns {
  const out = emptyCompareColumns();
  for (const m of COMPARE_METRICS) out[m] = columns[m].slice(first, first + count);
  return out;
}

/** Appends columns (a streamed window) to the view's. */
export function appendColumns(into: CompareColumns, more: CompareColumns): void {
  for (const m of COMPARE_METRICS) for (const v of more[m]) into[m].push(v);
}
