/**
 * The panel header's comparison parts: the summary figures (mean KLD ± se, PPL ratio, same top-1,
 * acceptance; across tokenizers bits per byte and segments) and the legend of a comparison metric,
 * with the diverging scale's two hues named. Text via textContent only.
 */
import { compareLegend, COMPARE_LABELS, COMPARE_SCALES, type CompareHeatMetric } from '../../src/core/compare/heat';
import type { ComparisonHeader } from '../../src/protocol/heatmapPanel';

const exp = (v: number) => (v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential(2) : v.toFixed(4));
const pct = (v: number | null | undefined, digits = 1) => (v === null || v === undefined ? 'n/a' : `${(v * 100).toFixed(digits)} %`);

/** [label, value] figures of a comparison for the header. */
export function comparisonFigures(c: ComparisonHeader): Array<[string, string]> {
  const s = c.summary;
  const figures: Array<[string, string]> = [['Compared with', c.against.name]];
  if (!s.kld) {
    const bpb = (v: number | null) => (v === null ? 'n/a' : v.toFixed(3));
    figures.push(['Bits per byte (other)', bpb(s.bitsPerByte.against)], ['Common segments', String(s.segments ?? 0)],
      ['Tokenizers', 'different: per-token KL not defined']);
    return figures;
  }
  figures.push(
    ['Mean KLD', `${exp(s.kld.mean)}${s.kld.se !== null ? ` ± ${exp(s.kld.se)}` : ''} nats`],
    ['PPL ratio', s.pplRatio === null ? 'n/a' : s.pplRatio.toFixed(4)],
    ['Same top-1', `${pct(s.sameTop1?.value)}${s.sameTop1?.se != null ? ` ± ${pct(s.sameTop1.se)}` : ''}`],
    ['Acceptance', pct(s.acceptance?.mean)],
  );
  return figures;
}

/** Legend swatches of a comparison metric: [css class, label]; diverging scales say which hue is which. */
export function comparisonLegend(metric: CompareHeatMetric, other: string): { title: string; swatches: Array<[string, string]>; note?: string } {
  const scale = COMPARE_SCALES[metric];
  return {
    title: COMPARE_LABELS[metric],
    swatches: compareLegend(metric),
    note: scale.diverging ? `blue: ${other} better · red: ${other} worse` : undefined,
  };
}
