/**
 * Geometry's per-token layers copied onto the token records (host side), so every front end finds
 * them next to NLL and entropy: excess surprisal e_t = NLL − H and its standardised form ζ_t (exact),
 * the NLL = A + U split and the pullback trace (exact, exact-truncated; only with a linear head),
 * ψ_j(t) and φ_j(t) (eigen-coordinates, j = 1..J), the look-ahead C1 and the context-ablation B
 * (heuristics, so named).
 * `varentropy` and `hiddenNorm` are already on the records.
 */
import type { TokenRecord } from '../analysis';
import type { GeometryReport } from './report';

/** Record fields that geometry adds (the JSON's `geometry.perTokenFields`). */
export const GEOMETRY_TOKEN_FIELDS = [
  'hiddenNorm', 'excessSurprisal', 'standardisedExcess', 'alignmentTerm', 'partitionTerm',
  'pullbackTrace', 'pullbackTraceBound', 'psi', 'phi', 'lookAheadC1Heuristic', 'contextAblationBHeuristic',
] as const;

/** The geometry fields these records carry (B only when its option ran; the head terms only with a linear head). */
export function geometryFieldsOn(records: readonly TokenRecord[]): Array<typeof GEOMETRY_TOKEN_FIELDS[number]> {
  return GEOMETRY_TOKEN_FIELDS.filter(f => records.some(r => f in r));
}

export function attachGeometryFields(records: TokenRecord[], geometry: GeometryReport): void {
  const p = geometry.perToken;
  const J = p.psi.length;
  records.forEach((r, t) => {
    r.excessSurprisal = p.excessSurprisal[t] ?? null;
    r.standardisedExcess = p.standardisedExcess[t] ?? null;
    if (p.alignmentTerm) r.alignmentTerm = p.alignmentTerm[t] ?? null;
    if (p.partitionTerm) r.partitionTerm = p.partitionTerm[t] ?? null;
    if (p.pullbackTrace) r.pullbackTrace = p.pullbackTrace[t] ?? null;
    if (p.pullbackTraceBound) r.pullbackTraceBound = p.pullbackTraceBound[t] ?? null;
    if (J > 0) {
      // Plain loops: Array.from with a callback costs about a microsecond per call, 2·T calls here.
      const psi = new Array<number | null>(J);
      const phi = new Array<number | null>(J);
      for (let j = 0; j < J; j++) { psi[j] = p.psi[j][t] ?? null; phi[j] = p.phi[j][t] ?? null; }
      r.psi = psi;
      r.phi = phi;
    }
    if (p.lookAheadC1) r.lookAheadC1Heuristic = p.lookAheadC1[t] ?? null;
    if (p.contextAblationB) r.contextAblationBHeuristic = p.contextAblationB[t] ?? null;
  });
}
