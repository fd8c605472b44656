/**
 * The information-surplus figures of the spectrum panel (paper-spec §4.11-4.12): A1 always, A2 when
 * the deep option ran (else how to turn it on), and the means of the heuristics B (an option, else
 * how to turn it on) and C1 with their block-bootstrap 95% intervals. Each row carries its provenance caption ("model-defined" or "heuristic") from the
 * result itself; values in nats with bits beside them.
 */
import type { SpectrumSnapshot } from '../../src/protocol/spectrumPanel';

type Geometry = NonNullable<SpectrumSnapshot['geometry']>;

export interface SurplusRow {
  key: 'A1' | 'A2' | 'B' | 'C1';
  name: string;
  /** Nats (null when not computed). */
  value: number | null;
  ci: [number, number] | null;
  text: string;
  provenance: string;
  note: string;
}

const B_OFF_NOTE = 'Off: set markovLens.geometry.contextAblation to compute it (one extra forward step per distinct token).';
const nats = (x: number) => `${x.toFixed(4)} nats (${(x / Math.LN2).toFixed(4)} bits)`;
const finite = (x: number | null | undefined): x is number => typeof x === 'number' && Number.isFinite(x);

export function surplusRows(g: Geometry): SurplusRow[] {
  const s = g.surplus;
  const prov = g.provenance;
  const rows: SurplusRow[] = [];
  rows.push({
    key: 'A1', name: 'A1: I(H; W), next token', value: s.A1.value, ci: null, text: nats(s.A1.value),
    provenance: prov.surplusA1 ?? s.A1.provenance,
    note: `H(π̄) ${s.A1.entropyOfMean.toFixed(3)} − mean H ${s.A1.meanEntropy.toFixed(3)}; ${s.A1.basis === 'exact' ? 'exact π̄' : 'π̄ from top-k slices'}; cap log T = ${s.A1.cap.toFixed(3)}.`,
  });
  const deep = g.views?.deepSurplus;
  if (s.A2) {
    rows.push({
      key: 'A2', name: "A2: I(H; W' | W), surplus", value: s.A2.value, ci: null, text: nats(s.A2.value),
      provenance: prov.surplusA2 ?? s.A2.provenance,
      note: `Branch look-ahead on S = ${s.A2.positions} sampled positions, top ${s.A2.candidates} candidates (mean covered mass ${s.A2.coveredMass.toFixed(3)}); H(W'|W) ${s.A2.mixtureEntropy.toFixed(3)} − H(W'|H,W) ${s.A2.conditionalEntropy.toFixed(3)}; cap log S = ${s.A2.cap.toFixed(3)}.`,
    });
  } else {
    rows.push({
      key: 'A2', name: "A2: I(H; W' | W), surplus", value: null, ci: null, text: 'not computed',
      provenance: 'model-defined',
      note: deep && !deep.on ? deep.message : 'Off: set markovLens.geometry.deepSurplus to a number of positions to compute it (one decode step of batch 8 per position).',
    });
  }
  for (const [key, name, h] of [['B', 'B: context ablation, mean c_t', s.B], ['C1', 'C1: skip-one logit lens, mean ℓ_t', s.C1]] as const) {
    if (!h) {
      if (key === 'B') rows.push({ key, name, value: null, ci: null, text: 'not computed', provenance: 'heuristic', note: B_OFF_NOTE });
      continue;
    }
    const ci = finite(h.ci[0]) && finite(h.ci[1]) ? [h.ci[0], h.ci[1]] as [number, number] : null;
    rows.push({
      key, name, value: h.mean, ci,
      text: finite(h.mean) ? `${nats(h.mean)}${ci ? `, 95% CI [${ci[0].toFixed(4)}, ${ci[1].toFixed(4)}]` : ''}` : 'n/a',
      provenance: (key === 'B' ? prov.surplusB : prov.surplusC1) ?? h.provenance,
      note: `${h.description}; interval: block bootstrap, blocks of 64 tokens.`,
    });
  }
  return rows;
}
