/**
 * The layer lens for a range of tokens without the rest of the analysis (the editor's visible range
 * of a long document, issue 17): the windows of the analysis plan whose scored targets meet the
 * range run exactly as an analysis would run them (same windows, same chunks, each from its own
 * start), observed by the lens alone; so the numbers equal those of the whole-document lens.
 */
import { InputError } from '../../core/errors';
import type { LayerLensOutcome } from '../../core/lens/types';
import { planWindows, resolveWindowSettings } from '../../core/windows';
import type { LensParams } from '../../protocol/engine';
import type { LoadedModel } from '../load/loader';
import { graphError, isRuntimeRefusal } from '../onnx/session';
import { defaultChunk, WindowScorer } from '../run/scorer';
import type { LayerDecoder } from './layerDecoder';
import { LayerLensObserver } from './lensObserver';

/** Document tokens [from, to) of `text` to decode (the protocol's request without the model handle). */
export type LensRangeParams = Omit<LensParams, 'model'>;

export interface LensRangeSink {
  /** Tokens of the range done so far. */
  progress(done: number, total: number): void;
  cancelled(): boolean;
}

export async function lensRange(model: LoadedModel, decoder: LayerDecoder, params: LensRangeParams, sink: LensRangeSink): Promise<LayerLensOutcome> {
  if (!Number.isSafeInteger(params.from) || !Number.isSafeInteger(params.to) || params.from < 0 || params.to < params.from) {
    throw new InputError(`layer lens: the token range ${params.from}:${params.to} is not a range of token indices`, 'settings-invalid');
  }
  const settings = resolveWindowSettings(params, model.info.contextLength, model.info.modelType);
  const doc = model.tokenizer.encode(params.text);
  const n = doc.ids.length;
  const ids = new Int32Array(n + 1);
  ids[0] = model.tokenizer.prefixTokenId;
  ids.set(doc.ids, 1);
  const from = Math.min(params.from, n);
  const to = Math.min(params.to, n);
  const windows = planWindows(n + 1, settings.window, settings.stride);
  const chunk = params.chunk ?? defaultChunk(model.logitsWidth);
  const observer = new LayerLensObserver(decoder, model.reducer, { from, to });
  const scorer = new WindowScorer(model.session, model.signature, chunk, [observer]);
  observer.begin({ ids, documentTokens: n, windows, window: settings.window, stride: settings.stride });
  // Window w scores targets firstTarget..lastTarget, i.e. document tokens firstTarget − 1 .. lastTarget − 1.
  const needed = windows.map((w, index) => ({ w, index })).filter(({ w }) => w.firstTarget - 1 < to && w.lastTarget - 1 >= from);
  try {
    for (const { w, index } of needed) {
      if (sink.cancelled()) throw new InputError('analysis cancelled', 'cancelled');
      await scorer.scoreWindow(ids, w, index).catch((e: unknown) => {
        throw isRuntimeRefusal(e) ? graphError(model.files.onnxPath, e, `failed on a window of ${w.end - w.start} tokens`) : e;
      });
      sink.progress(Math.min(to, w.lastTarget) - from, to - from);
      await new Promise(resolve => setImmediate(resolve)); // let a cancel message in
    }
    return await observer.finish();
  } catch (e) {
    observer.abandon();
    throw e;
  }
}
