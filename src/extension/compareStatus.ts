/** The status bar's text for a comparison: mean KLD ± its uncertainty (nats, as llama.cpp prints it). */
import type { ComparisonView } from './compareView';

const small = (v: number) => (v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential(2) : v.toFixed(4));

export function comparisonStatus(view: ComparisonView, model: string): { text: string; tooltip: string } | undefined {
  const s = view.summary;
  if (!s) return undefined;
  const versus = `${model} vs ${view.against.name}`;
  if (!s.kld) {
    const bpb = (v: number | null) => (v === null ? 'n/a' : v.toFixed(3));
    return {
      text: `$(git-compare) ${bpb(s.bitsPerByte.model)} vs ${bpb(s.bitsPerByte.against)} bits/byte`,
      tooltip: `Markov Lens: ${versus} (different tokenizers: no per-token KL; ${s.segments ?? 0} common segments). Click to open the heatmap.`,
    };
  }
  return {
    text: `$(git-compare) KLD ${small(s.kld.mean)}${s.kld.se !== null ? ` ± ${small(s.kld.se)}` : ''} nats`,
    tooltip: `Markov Lens: ${versus}, mean KL(${model} ‖ ${view.against.name}) over ${s.tokens - s.excluded} tokens; ` +
      `same top-1 ${s.sameTop1 ? (s.sameTop1.value * 100).toFixed(1) : 'n/a'} %. Click to open the heatmap.`,
  };
}
