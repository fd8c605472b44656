/**
 * The per-token quantities the scatter can be coloured by (pure), each with its display units and
 * provenance label, and the escaping of token text for hover labels.
 */
import type { GeometryResult } from '../../src/core/geometry';
import type { SpectrumSnapshot } from '../../src/protocol/spectrumPanel';

export interface ColourMetric {
  key: string;
  label: string;
  /** Per token, display units; null where unknown. */
  values: Array<number | null>;
  provenance: string;
}

const toBits = (xs: ReadonlyArray<number | null>) => xs.map(v => (v === null || !Number.isFinite(v) ? null : v / Math.LN2));

export function colourMetrics(s: Pick<SpectrumSnapshot, 'nll' | 'entropy'>, g: GeometryResult, j: number): ColourMetric[] {
  const p = g.provenance;
  const list: Array<ColourMetric | undefined> = [
    { key: 'nll', label: 'NLL (bits)', values: toBits(s.nll), provenance: 'exact' },
    { key: 'entropy', label: 'Entropy (bits)', values: toBits(s.entropy), provenance: 'exact' },
    { key: 'excess', label: 'Excess surprisal (bits)', values: toBits(g.perToken.excessSurprisal), provenance: p.excessSurprisal ?? 'exact' },
    { key: 'standardised', label: 'Standardised excess ζ', values: g.perToken.standardisedExcess, provenance: p.excessSurprisal ?? 'exact' },
    g.perToken.psi[j - 1] && { key: 'psi', label: `ψ${j}`, values: g.perToken.psi[j - 1], provenance: p.eigenvalues ?? 'exact' },
    g.perToken.phi[j - 1] && { key: 'phi', label: `φ${j}`, values: g.perToken.phi[j - 1], provenance: p.alignment ?? 'exact' },
    g.perToken.pullbackTrace ? { key: 'trace', label: 'Pullback trace', values: g.perToken.pullbackTrace, provenance: p.pullbackTrace ?? 'exact-truncated' } : undefined,
    g.perToken.lookAheadC1 ? { key: 'c1', label: 'Look-ahead surplus C1 (bits)', values: toBits(g.perToken.lookAheadC1), provenance: p.surplusC1 ?? 'heuristic' } : undefined,
    g.perToken.contextAblationB ? { key: 'b', label: 'Context surplus B (bits)', values: toBits(g.perToken.contextAblationB), provenance: p.surplusB ?? 'heuristic' } : undefined,
    { key: 'position', label: 'Position in the document', values: g.perToken.excessSurprisal.map((_, t) => t), provenance: 'exact' },
  ];
  return list.filter((m): m is ColourMetric => m !== undefined);
}

/** Token text as a quoted literal with control characters escaped (canvas text, so no HTML to fear; newlines must show). */
export function escapeTokenText(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}
