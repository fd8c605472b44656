/**
 * The summary as a text block laid out like llama.cpp's `perplexity --kl-divergence` output (same
 * line labels, order and units: KLD in nats, Δp and "same top p" in percent), so the two can be read
 * side by side; then the speculative-decoding and detection lines. Values too small for six decimals
 * are printed in exponent form instead of llama.cpp's 0.000000 (a float16 twin's KLD is ~1e-7).
 */
import type { Comparison } from './comparison';
import type { Spread } from './statistics';

const num = (v: number | null | undefined, width = 10): string => {
  if (v === null || v === undefined || !Number.isFinite(v)) return 'n/a'.padStart(width);
  const text = v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential(3) : v.toFixed(6);
  return text.padStart(width);
};
const pct = (v: number | null | undefined, digits = 3): string => (v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : (100 * v).toFixed(digits));
const pm = (mean: number | null | undefined, se: number | null | undefined): string => `${num(mean)} ± ${num(se)}`;

const SPREAD_LINES: Array<[keyof Spread, string]> = [
  ['max', 'Maximum'], ['p999', '99.9%  '], ['p99', '99.0%  '], ['p95', '95.0%  '], ['p90', '90.0%  '], ['p75', '75.0%  '],
  ['median', 'Median '], ['p25', '25.0%  '], ['p10', '10.0%  '], ['p5', ' 5.0%  '], ['p1', ' 1.0%  '], ['p01', ' 0.1%  '], ['min', 'Minimum'],
];

export function summaryBlock(c: Comparison): string {
  const s = c.summary;
  const lines: string[] = [];
  const q = c.models.against.name;
  const p = c.models.model.name;
  lines.push(`Q = ${q} (--against), base = ${p} (--model); tokenizer: ${c.tokenizer.same ? 'the same' : 'different'} (${c.tokenizer.reason})`);
  if (c.kind === 'same-tokenizer') {
    lines.push(`window ${c.scoring.window}, stride ${c.scoring.stride} (contexts ${c.scoring.contexts.model} / ${c.scoring.contexts.against}); ${s.tokens} tokens${s.excluded ? `, ${s.excluded} left out (non-finite logits)` : ''}`);
  }
  lines.push('', '====== Perplexity statistics ======');
  if (c.kind === 'cross-tokenizer' || !s.ppl) {
    lines.push(`Bits per byte (Q)             : ${num(s.bitsPerByte.against)}`);
    lines.push(`Bits per byte (base)          : ${num(s.bitsPerByte.model)}`);
    if (s.segments !== undefined) {
      lines.push(`Segments (common cut points)  : ${String(s.segments).padStart(10)}`);
      lines.push(`Mean ΔNLL per segment (nats)  : ${pm(s.segmentDNll?.mean, s.segmentDNll?.se)}`);
      lines.push(`Cor(segment NLL(Q), NLL(base)): ${pct(s.segmentNllCorrelation, 2).padStart(6)}%`);
    }
    if (s.undefinedReason) lines.push('', `Per-token statistics: not defined: ${s.undefinedReason}.`);
  } else {
    lines.push(`Mean PPL(Q)                   : ${pm(s.ppl.against.value, s.ppl.against.se)}`);
    lines.push(`Mean PPL(base)                : ${pm(s.ppl.model.value, s.ppl.model.se)}`);
    lines.push(`Cor(ln(PPL(Q)), ln(PPL(base))): ${pct(s.lnPplCorrelation, 2).padStart(6)}%`);
    lines.push(`Mean ln(PPL(Q)/PPL(base))     : ${pm(s.meanLnPplRatio?.mean, s.meanLnPplRatio?.se)}`);
    const ratioSe = s.pplRatio !== null && s.meanLnPplRatio?.se != null ? s.pplRatio * s.meanLnPplRatio.se : null;
    lines.push(`Mean PPL(Q)/PPL(base)         : ${pm(s.pplRatio, ratioSe)}`);
    lines.push(`Mean PPL(Q)-PPL(base)         : ${pm(s.ppl.difference.value, s.ppl.difference.se)}`);
    lines.push('', '====== KL divergence statistics ======');
    lines.push(`Mean    KLD: ${pm(s.kld?.mean, s.kld?.se)}`);
    for (const [key, label] of SPREAD_LINES) if (s.kld?.[key] !== undefined) lines.push(`${label} KLD: ${num(s.kld[key])}`);
    lines.push('', '====== Token probability statistics ======');
    lines.push(`Mean    Δp: ${pct(s.dp?.mean).padStart(6)} ± ${pct(s.dp?.se).padStart(5)} %`);
    for (const [key, label] of SPREAD_LINES) if (s.dp?.[key] !== undefined) lines.push(`${label} Δp: ${pct(s.dp[key]).padStart(6)}%`);
    lines.push(`RMS Δp    : ${pct(s.dp?.rms).padStart(6)} ± ${pct(s.dp?.rmsSe).padStart(5)} %`);
    lines.push(`Same top p: ${pct(s.sameTop1?.value).padStart(6)} ± ${pct(s.sameTop1?.se).padStart(5)} %`);
    if (s.outsideMass) lines.push(`Mass outside the shared ids: base ${num(s.outsideMass.model)}, Q ${num(s.outsideMass.against)} (padded vocabularies)`);
    lines.push('', '====== Speculative decoding (Q drafts, base verifies) ======');
    lines.push(`Mean acceptance α = 1 − TV    : ${pct(s.acceptance?.mean).padStart(10)} %`);
    lines.push(`${`Tokens per block (γ = ${s.acceptance?.gamma ?? 4})`.padEnd(30)}: ${(s.acceptance?.expectedTokensPerBlock ?? NaN).toFixed(6).padStart(10)}   (i.i.d. approximation, Leviathan et al. 2023)`);
  }
  const d = s.detection;
  lines.push('', '====== Detection scores (heuristics) ======');
  lines.push(`(${d.note})`);
  if (d.binoculars) {
    const b = d.binoculars;
    lines.push(`Binoculars (observer base, performer Q): ${num(b.score)}   (log PPL ${b.logPplObserver.toFixed(4)} / log X-PPL ${b.logCrossPerplexity.toFixed(4)}; with the performer's PPL, as the reference code: ${b.scorePerformerPpl.toFixed(6)})`);
  } else {
    lines.push(`Binoculars: not defined (${d.binocularsUnavailable ?? 'no tokens'})`);
  }
  lines.push(`Fast-DetectGPT criterion (base): ${num(d.fastDetectGpt.model?.criterion)}   (analytic; = −martingale Z of the geometry)`);
  lines.push(`Fast-DetectGPT criterion (Q)   : ${num(d.fastDetectGpt.against?.criterion)}`);
  return lines.join('\n') + '\n';
}
