/**
 * The CLI's text rendering of a geometry report: a compact spectrum/alignment table printed after
 * the heatmap (λ_j, ρ_j, A_k and its shift-null percentile for the first k), the head check and any
 * view that is off, the model-defined surplus A1 (and A2 when run) and the heuristic B (when run,
 * else how to turn it on) and C1 means with their block-bootstrap intervals. Numbers in nats.
 */
import type { GeometryReport } from '../core/geometry';

const ROWS = 16;

function fixed(x: number | null | undefined, digits = 4): string {
  return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : '-';
}

export function formatGeometryTable(g: GeometryReport): string {
  const lines: string[] = [];
  lines.push('');
  lines.push(`geometry: ${g.tokens} tokens, ${g.options.kernel} kernel, ${g.options.side} side, seed ${g.options.seed}`);
  lines.push(`  head: ${g.head.verdict} (${g.head.message})`);
  for (const [name, view] of Object.entries(g.views)) if (!view.on) lines.push(`  ${name}: ${view.message}`);
  const a = g.alignment;
  if (g.eigenvalues.length > 0) {
    const header = a ? '     j   lambda_j      rho_j     A_k   null pct' : '     j   lambda_j';
    lines.push(header);
    const n = Math.min(ROWS, g.eigenvalues.length);
    for (let j = 0; j < n; j++) {
      const cells = [String(j + 1).padStart(6), fixed(g.eigenvalues[j], 6).padStart(10)];
      if (a) cells.push(fixed(a.rho[j], 6).padStart(10), fixed(a.Ak[j], 3).padStart(7), fixed(a.nullPercentile.Ak[j], 1).padStart(10));
      lines.push(cells.join(' '));
    }
    if (g.eigenvalues.length > n) lines.push(`   ... ${g.eigenvalues.length - n} more eigenpairs in --format json`);
    const s = g.spectrum;
    lines.push(`  spectrum: ${s.method}, ${s.converged ? 'converged' : 'not converged (approximate)'}, effective rank ${fixed(s.effectiveRank, 2)}, top ${g.eigenvalues.length} explain ${fixed(100 * s.explained, 1)}% of tr M`);
    if (a) lines.push(`  alignment: r_H ${a.hiddenDims}, CKA ${fixed(a.cka, 3)}, ${a.shifts} circular shifts for the null; ${a.honesty}`);
  }
  const A1 = g.surplus.A1;
  lines.push(`  surplus A1 (model-defined, ${A1.basis}): ${fixed(A1.value)} nats  (H(mean p) ${fixed(A1.entropyOfMean)} - mean H ${fixed(A1.meanEntropy)}, cap log T ${fixed(A1.cap)})`);
  const A2 = g.surplus.A2;
  if (A2) {
    lines.push(`  surplus A2 (model-defined, branch look-ahead): ${fixed(A2.value)} nats  (H(W'|W) ${fixed(A2.mixtureEntropy)} - H(W'|H,W) ${fixed(A2.conditionalEntropy)}, cap log S ${fixed(A2.cap)}; S ${A2.positions}, k_b ${A2.candidates}, covered mass ${fixed(A2.coveredMass, 3)})`);
  }
  for (const [name, h] of [['B', g.surplus.B], ['C1', g.surplus.C1]] as const) {
    if (h) lines.push(`  surplus ${name} (heuristic): mean ${fixed(h.mean)} nats, 95% CI [${fixed(h.ci[0])}, ${fixed(h.ci[1])}]`);
    else if (name === 'B') lines.push('  surplus B (heuristic): off; add --context-ablation to compute it (one extra forward step per distinct token)');
  }
  return lines.join('\n') + '\n';
}
