/**
 * The per-layer alignment of an analysis run with geometry and the layer lens (issue 17): the
 * geometry's own operator (its input, kernel, side, spectrum windows and eigenvalues) against the
 * head's input at every layer, which the lens kept while decoding (core/lens/layerAlignment.ts).
 */
import type { GeometryInput, GeometryReport } from '../../core/geometry';
import { layerAlignment } from '../../core/lens/layerAlignment';
import { isLensOff, type LayerLensOutcome } from '../../core/lens/types';
import type { LayerLensObserver } from './lensObserver';

/** Sets `lens.alignment`, or leaves it null with the reason in `lens.alignmentOff`. */
export function attachLayerAlignment(lens: LayerLensOutcome, observer: LayerLensObserver, geometry: GeometryReport, input: GeometryInput | undefined): void {
  if (isLensOff(lens)) return;
  lens.alignment = null;
  if (!input || !geometry.alignment) {
    lens.alignmentOff = `the geometry has no alignment to compare with (${geometry.views.alignment?.message ?? 'too few tokens'})`;
    return;
  }
  if (observer.hidden.length !== lens.count || lens.tokens !== input.targets.length) {
    lens.alignmentOff = observer.hiddenSkipped ?? 'the hidden states of the layers were not kept';
    return;
  }
  const eigenvalues = geometry.windows ? geometry.windows.map(w => w.eigenvalues) : [geometry.eigenvalues];
  lens.alignment = layerAlignment(input, observer.hidden, observer.d, eigenvalues, {
    kernel: geometry.options.kernel, side: geometry.options.side, seed: geometry.options.seed,
  });
}
