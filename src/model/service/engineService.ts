/**
 * The engine's side of the channel: loads models (several may be open, each under a handle) and
 * serves analyses one at a time (ONNX Runtime's run blocks this thread), streaming each window's
 * records as events. Runs in the engine process, or in the CLI's own process.
 */
import type { ScoringInfo } from '../../core/analysis';
import type { Channel, HandlerContext } from '../../protocol/channel';
import { packGeometry, type AnalysisDone, type AnalysisEvent, type AnalyzeParams, type CompareDone, type CompareEvent, type CompareParams, type EngineMethods, type FrontEndMethods, type GeometryDone, type GeometryParams, type KeptReply } from '../../protocol/engine';
import { compareText } from '../compare/compareText';
import { InputError } from '../../core/errors';
import type { LayerLensOff, LayerLensOutcome } from '../../core/lens/types';
import { GEOMETRY_DEFAULTS } from '../../core/geometry';
import { analyzeWithGeometry, geometryFromKept } from '../geometry/geometryRun';
import { closeHeadModel, openHeadModel, type HeadModel } from '../geometry/headModel';
import { GeometryGathering, KeptInputs, type KeptGeometryInput } from '../geometry/keptInput';
import { closeLayerDecoder, openLayerDecoder, type LayerDecoder } from '../lens/layerDecoder';
import { attachLayerAlignment } from '../lens/layerGeometry';
import { LayerLensObserver } from '../lens/lensObserver';
import { lensRange } from '../lens/lensRange';
import { disposeModel, loadModel, type LoadedModel } from '../load/loader';
import { removeTelemetryLog } from '../onnx/telemetryLog';
import { analyzeText } from '../run/analyzer';
import { KvCheckpoints } from '../run/kvCheckpoints';

interface OpenModel {
  model: LoadedModel;
  /** The geometry's view of the model, made on the first geometry request. */
  head?: HeadModel;
  /**
   * KV caches of recently scored windows, for live re-analysis (bounded by a byte budget). Verified
   * id by id before use, so analyses of other documents cannot mislead it.
   */
  checkpoints: KvCheckpoints;
  /** The layer lens's decoder (the model's final norm and head as a session), made on the first lens request. */
  decoder?: Promise<LayerDecoder | LayerLensOff>;
  /** What the geometry needs from recent analyses asked to keep it (bounded; keptInput.ts). */
  kept: KeptInputs;
}

function decoderOf(open: OpenModel): Promise<LayerDecoder | LayerLensOff> {
  return (open.decoder ??= openLayerDecoder(open.model));
}

export function serveEngine(channel: Channel<EngineMethods, FrontEndMethods>): { close(): Promise<void> } {
  const models = new Map<number, OpenModel>();
  let nextHandle = 1;
  /** Requests run one after another: a second analysis must not interleave its runs with the first. */
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work);
    queue = next.catch(() => undefined);
    return next;
  };
  const open = (handle: number): OpenModel => {
    const m = models.get(handle);
    if (!m) throw new Error(`no model ${handle} is loaded in the engine`);
    return m;
  };
  const release = async (handle: number): Promise<void> => {
    const m = models.get(handle);
    models.delete(handle);
    if (!m) return;
    m.checkpoints.clear();
    m.kept.clear();
    await closeHeadModel(m.head);
    await closeLayerDecoder(await m.decoder?.catch(() => undefined));
    await disposeModel(m.model);
  };

  channel
    .handle('load', params => serial(async () => {
      const model = await loadModel(params.modelDir, params);
      removeTelemetryLog();
      const handle = nextHandle++;
      models.set(handle, { model, checkpoints: new KvCheckpoints(), kept: new KeptInputs() });
      return { model: handle, info: model.info, selfTestDelta: model.selfTestDelta };
    }))
    .handle('analyze', (params, context) => serial(() => analyze(open(params.model), params, context)))
    .handle('compare', (params, context) => serial(() => compare(open(params.model), open(params.against), params, context)))
    .handle('lens', (params, context) => serial(async () => {
      const m = open(params.model);
      if (context.signal.aborted) throw new InputError('analysis cancelled', 'cancelled');
      const decoder = await decoderOf(m);
      if ('off' in decoder) return decoder;
      return lensRange(m.model, decoder, params, {
        progress: (done, total) => context.emit({ type: 'progress', done, total }),
        cancelled: () => context.signal.aborted,
      });
    }))
    .handle('geometry', (params, context) => serial(() => geometry(open(params.model), params, context.signal)))
    .handle('tokenTexts', ({ model, ids }) => {
      const { tokenizer } = open(model).model;
      return ids.map(t => (Number.isInteger(t) && t >= 0 && t < tokenizer.vocabSize ? tokenizer.tokenText(t) : ''));
    })
    .handle('release', ({ model }) => serial(() => release(model)));

  return {
    async close() {
      await queue;
      for (const handle of [...models.keys()]) await release(handle);
      removeTelemetryLog();
    },
  };
}

async function analyze(open: OpenModel, params: AnalyzeParams, context: HandlerContext<AnalysisEvent>): Promise<AnalysisDone> {
  const { model } = open;
  if (context.signal.aborted) throw new InputError('analysis cancelled', 'cancelled');
  const base = {
    started: (scoring: ScoringInfo, tokens: number, tokenizeMs: number) => context.emit({ type: 'started', scoring, tokens, tokenizeMs }),
    progress: (done: number, total: number) => context.emit({ type: 'progress', done, total }),
    cancelled: () => context.signal.aborted,
  };
  const keep = params.keep && !params.reuse ? params.keep : undefined;
  const lens = params.layers ? await lensObserverFor(open, params.geometry !== undefined) : undefined;
  const observers = lens instanceof LayerLensObserver ? [lens] : [];
  try {
    if (params.geometry) {
      open.head ??= openHeadModel(model);
      const result = await analyzeWithGeometry(model, open.head, params, params.geometry, {
        ...base,
        batch: (batch, hiddenNorm) => context.emit({ type: 'records', batch, hiddenNorm }),
      }, keep ? open.kept.newId() : 0, observers);
      const layers = await layersOf(lens);
      if (layers.layers && lens instanceof LayerLensObserver) {
        const started = performance.now();
        attachLayerAlignment(layers.layers, lens, result.geometry, result.input);
        result.geometry.timings.layerAlignmentMs = performance.now() - started;
      }
      return {
        inferenceMs: result.inferenceMs, geometry: packGeometry(result.geometry), geometryMs: result.geometryMs, ...layers,
        ...(keep ? { kept: keepInput(open, result.kept) } : {}),
      };
    }
    // The lens needs every window run: live reuse would skip some.
    const reuse = lens ? undefined : params.reuse;
    if (keep) {
      // The plain analysis, watched by the geometry's gathering observers (no geometry is computed).
      open.head ??= openHeadModel(model);
      const gathering = new GeometryGathering(model, open.head, { deepSurplus: keep.deepSurplus ?? 0, seed: keep.seed ?? GEOMETRY_DEFAULTS.seed });
      const result = await analyzeText(model, { ...params, reuse, checkpoints: open.checkpoints }, {
        ...base,
        started: (scoring, tokens, tokenizeMs, ids) => {
          gathering.started(ids);
          base.started(scoring, tokens, tokenizeMs);
        },
        batch: batch => {
          gathering.batch(batch);
          context.emit({ type: 'records', batch });
        },
      }, { observers: [...gathering.observers, ...observers], reductionExtras: gathering.capture });
      return { inferenceMs: result.inferenceMs, ...(await layersOf(lens)), kept: keepInput(open, gathering.finish(open.kept.newId())) };
    }
    const result = await analyzeText(model, { ...params, reuse, checkpoints: open.checkpoints }, { ...base, batch: batch => context.emit({ type: 'records', batch }) }, { observers });
    return { inferenceMs: result.inferenceMs, ...(await layersOf(lens)) };
  } catch (e) {
    if (lens instanceof LayerLensObserver) lens.abandon();
    throw e;
  }
}

/** The lens's observer for a whole-document analysis, or why the lens is off for this model. */
async function lensObserverFor(open: OpenModel, captureHidden: boolean): Promise<LayerLensObserver | LayerLensOff> {
  const decoder = await decoderOf(open);
  return 'off' in decoder ? decoder : new LayerLensObserver(decoder, open.model.reducer, undefined, captureHidden);
}

async function layersOf(lens: LayerLensObserver | LayerLensOff | undefined): Promise<{ layers?: LayerLensOutcome }> {
  if (!lens) return {};
  return { layers: lens instanceof LayerLensObserver ? await lens.finish() : lens };
}

async function compare(model: OpenModel, against: OpenModel, params: CompareParams, context: HandlerContext<CompareEvent>): Promise<CompareDone> {
  if (context.signal.aborted) throw new InputError('comparison cancelled', 'cancelled');
  return compareText(model.model, against.model, params, {
    started: (tokenizer, scoring, tokens, tokenizeMs) => context.emit({ type: 'started', tokenizer, scoring, tokens, tokenizeMs }),
    againstStarted: (scoring, tokens, tokenizeMs) => context.emit({ type: 'against-started', scoring, tokens, tokenizeMs }),
    records: batch => context.emit({ type: 'records', batch }),
    sideRecords: (side, batch) => context.emit({ type: 'side-records', side, batch }),
    progress: (done, total) => context.emit({ type: 'progress', done, total }),
    cancelled: () => context.signal.aborted,
  });
}

/** Keeps a gathered input within the model's budget; says why when it cannot. */
function keepInput(open: OpenModel, input: KeptGeometryInput): KeptReply {
  if (open.kept.keep(input)) return { id: input.id, bytes: input.bytes };
  return { id: null, reason: `what the geometry needs of this document (${(input.bytes / 2 ** 20).toFixed(0)} MB) exceeds the engine's budget for it` };
}

/** The geometry of a kept analysis for new options: the model does not run over the document again. */
async function geometry(open: OpenModel, params: GeometryParams, signal: AbortSignal): Promise<GeometryDone> {
  if (signal.aborted) throw new InputError('geometry cancelled', 'cancelled');
  const kept = open.kept.take(params.kept);
  if (!kept) throw new InputError('the analysis this spectrum needs is no longer kept by the engine; re-run the analysis', 'geometry-not-kept');
  open.head ??= openHeadModel(open.model);
  const result = await geometryFromKept(open.model, open.head, kept, params.options, undefined, () => signal.aborted);
  // Heuristic B's values, made the first time they were asked for, stay with the input.
  if (kept.ablated) open.kept.grew(kept);
  return { geometry: packGeometry(result.geometry), geometryMs: result.geometryMs };
}
