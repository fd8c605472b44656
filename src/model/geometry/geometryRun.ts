/**
 * One analysis with geometry, inside the engine: the ordinary analysis runs with a HiddenCapture
 * observing its runs (h_t, head-check rows; exact π̄ and log p(x_{t+2}) from the reduction of each
 * chunk), each record batch goes out with ‖h_t‖, then the head is checked and `computeGeometry`
 * runs here, so the front end stays responsive.
 *
 * Views that assume logits = W h + b (prototype kernel, alignment of h, pullback trace, the
 * NLL = A + U split) are switched off, with the reason, when the head check or the graph analysis
 * says the head is not linear-softmax; a head that is W h + b times one scale gets the scale folded
 * into W and b.
 */
import type { RecordBatch } from '../../core/records';
import {
  computeGeometry, gatherHeadRows, geometrySteps, geometryInputFromBatches, headRowIds, resolveGeometryOptions,
  type GeometryInput, type GeometryOptions, type GeometryReport, type GeometryViewState, type HeadCheckResult, type ResolvedGeometryOptions,
} from '../../core/geometry';
import type { PrototypeRowsResult } from '../../core/geometry/prototypeRows';
import { runStepsAsync } from '../../core/geometry/steps';
import { analyzeText, type AnalysisSink, type AnalyzeParams } from '../run/analyzer';
import { headVerdict, type HeadModel } from './headModel';
import { operatorOff, tooShort } from './operatorOff';
import { BranchLookahead } from './branchLookahead';
import { GeometryThreadFeed } from './threadFeed';
import { HiddenCapture } from './hiddenCapture';
import type { LoadedModel } from '../load/loader';
import type { RunObserver } from '../run/observers';
import { WindowScorer } from '../run/scorer';
import { ablatedLogProbs } from './surplusRuns';

/** Fewer tokens than this and the core refuses (a spectrum of a handful of contexts means nothing). */
export const MIN_GEOMETRY_TOKENS = 8;

export interface GeometrySink extends AnalysisSink {
  batch(batch: RecordBatch, hiddenNorm?: Float64Array): void;
}

export async function analyzeWithGeometry(
  model: LoadedModel,
  geo: HeadModel,
  params: AnalyzeParams,
  wanted: GeometryOptions,
  sink: GeometrySink,
  /** Other observers of the same runs (the layer lens). */
  more: readonly RunObserver[] = [],
): Promise<{ inferenceMs: number; geometry: GeometryReport; geometryMs: number; input?: GeometryInput }> {
  const options = resolveGeometryOptions(wanted);
  const d = geo.weights?.hidden ?? model.info.hiddenSize;
  const hiddenOutput = d > 0 ? geo.hiddenOutput : null;
  const capture = new HiddenCapture(hiddenOutput, d, model.logitsWidth);
  const batches: RecordBatch[] = [];
  // Deep option: the A2 branches observe the same runs.
  const branch = options.deepSurplus ? new BranchLookahead(model.signature, model.logitsWidth, options.deepSurplus, undefined, options.seed) : null;
  let fed: Int32Array = new Int32Array(0);
  const feed = new GeometryThreadFeed(geo, options, capture, hiddenOutput !== null, model.logitsWidth, options.seed);
  const { inferenceMs } = await analyzeText(model, params, {
    started: (scoring, tokens, tokenizeMs, ids, doc) => {
      fed = ids;
      sink.started(scoring, tokens, tokenizeMs, ids, doc);
    },
    batch: batch => {
      batches.push(batch);
      feed.batch(batch);
      sink.batch(batch, hiddenOutput ? capture.norms(batch.firstIndex, batch.firstIndex + batch.count) : undefined);
    },
    progress: (done, total) => sink.progress(done, total),
    cancelled: () => sink.cancelled(),
  }, {
    observers: [capture, feed, ...(branch ? [branch] : []), ...more],
    reductionExtras: capture,
  });
  const started = performance.now();
  const builtRows = feed.inferenceDone(batches.reduce((n, b) => n + b.count, 0));
  const surplus = await surplusRuns(model, fed, branch, options.contextAblation);
  const waiting = performance.now();
  surplus.prototypeRows = await builtRows;
  surplus.timings.rowsWaitMs = performance.now() - waiting;
  const used: { input?: GeometryInput } = {};
  const geometry = await geometryOf(model, geo, capture, batches, options, hiddenOutput !== null, surplus, used);
  geo.thread?.settle();
  return { inferenceMs, geometry, geometryMs: performance.now() - started, ...used };
}

/** Heuristic B's short runs (option; one step per distinct token) and the A2 result of the branches (deep option). */
async function surplusRuns(model: LoadedModel, ids: Int32Array, branch: BranchLookahead | null, contextAblation: boolean): Promise<SurplusInputs> {
  const b = contextAblation && ids.length > 2 ? await ablatedLogProbs(new WindowScorer(model.session, model.signature), model.signature, ids, model.logitsWidth) : null;
  const cost: NonNullable<GeometryReport['surplusCost']> = { bDistinctTokens: b?.distinctTokens ?? 0, bRuns: b?.runs ?? 0, a2BranchRuns: branch?.branchRuns ?? 0 };
  const timings = { surplusBMs: b?.ms ?? 0, surplusA2Ms: branch?.ms ?? 0 };
  const deep = branch && (branch.failure ? off(`surplus A2: ${branch.failure}`) : on(`surplus A2 on ${branch.result()?.positions ?? 0} sampled positions`));
  return { ablatedLogProb: b?.values, surplusA2: branch?.result() ?? undefined, cost, timings, deep };
}

interface SurplusInputs {
  ablatedLogProb?: Float64Array;
  surplusA2?: GeometryInput['surplusA2'];
  cost: NonNullable<GeometryReport['surplusCost']>;
  /** B's short runs (after the analysis) and A2's branches (inside it, so also in inferenceMs). */
  timings: { surplusBMs: number; surplusA2Ms: number; rowsWaitMs?: number; prepareMs?: number };
  deep: GeometryViewState | null;
  /** ḡ_t and tr g*_t built during inference by the geometry thread (GeometryThreadFeed; for W as read, scale 1). */
  prototypeRows?: PrototypeRowsResult;
}

/** `used.input` is set to the input of an operator with alignment (the layer lens's per-layer alignment reuses it). */
async function geometryOf(model: LoadedModel, geo: HeadModel, capture: HiddenCapture, batches: RecordBatch[], resolved: ResolvedGeometryOptions, hasHidden: boolean, surplus: SurplusInputs, used: { input?: GeometryInput }): Promise<GeometryReport> {
  const { shifts, ...options } = resolved;
  const preparing = performance.now();
  const check = hasHidden && geo.weights?.vocab === model.logitsWidth ? headVerdict(geo, capture.checkHidden, capture.checkLogits, capture.checkRows) : geo.check;
  const head = headReport(geo, check, hasHidden);
  const headUsable = head.verdict === 'linear' || head.verdict === 'scaled';
  const views: GeometryReport['views'] = {
    hiddenNorm: hasHidden ? on('‖h_t‖ of the head input before each token') : off(`the hidden state could not be exposed: ${head.message}`),
    head: headUsable ? on(head.message) : off(`off: ${head.message}`),
    alignment: headUsable && hasHidden ? on(head.message) : off(`off: ${head.message}`),
    spectrum: options.kernel !== 'prototype' || headUsable ? on(`${options.kernel} kernel, ${options.side} side`) : off(`off: the prototype kernel needs the head rows W; ${head.message}`),
    ...(surplus.deep ? { deepSurplus: surplus.deep } : {}),
  };
  const extras: Partial<GeometryInput> = {
    meanDistribution: capture.meanDistribution(), afterNextLogProb: capture.afterNextLogProb,
    ablatedLogProb: surplus.ablatedLogProb, surplusA2: surplus.surplusA2,
  };
  const base = geometryInputFromBatches(batches, extras);
  const T = base.targets.length;
  const surplusCost = surplus.cost;
  const withSurplus = (r: GeometryReport): GeometryReport => ({ ...r, surplusCost, timings: { ...r.timings, ...surplus.timings } });
  if (T < MIN_GEOMETRY_TOKENS) return withSurplus(tooShort(base, MIN_GEOMETRY_TOKENS, options, head, views));
  const input: GeometryInput = { ...base };
  if (headUsable) {
    const w = geo.weights!;
    const scale = head.verdict === 'scaled' ? check!.fittedScale : 1;
    const weight = scale === 1 ? w.weight : Float32Array.from(w.weight, x => x * scale);
    input.head = gatherHeadRows(weight, w.hidden, headRowIds(base), w.maxRowNormSq * scale * scale);
    // Rows built from the unscaled W equal the core's only when no scale was folded in.
    if (scale === 1 && surplus.prototypeRows?.trace.length === T) input.prototypeRows = surplus.prototypeRows;
  } else {
    // A + U with A = −⟨W_y, h⟩ − b_y means nothing without a linear head.
    input.logPartition = undefined;
  }
  if (views.alignment.on) input.hidden = { data: capture.hidden, d: capture.d };
  surplus.timings.prepareMs = performance.now() - preparing;
  const core = { kernel: options.kernel, side: options.side, eigenpairs: options.eigenpairs, seed: options.seed, shifts };
  if (!views.spectrum.on) {
    // The token-level layers (excess surprisal, A1, C1, document figures) still hold; only the
    // operator is off. A cheap Bhattacharyya pass supplies them, then its operator is blanked.
    const result = computeGeometry({ ...input, hidden: undefined }, { ...core, kernel: 'bhattacharyya', side: 'model', eigenpairs: 1, shifts: 0 });
    return withSurplus({ ...operatorOff(result, options.kernel, options.side, views.spectrum.message), head, views, options });
  }
  if (input.hidden) used.input = input;
  // The PCA and part of the nulls run on the geometry thread when there is one; the same steps inline
  // otherwise; the products by ONNX Runtime either way.
  const steps = geometrySteps(input, core);
  const result = geo.thread?.healthy ? await geo.thread.run(steps, geo.products) : await runStepsAsync(steps, geo.products);
  return withSurplus({ ...result, head, views, options });
}

function headReport(geo: HeadModel, check: HeadCheckResult | null, hasHidden: boolean): GeometryReport['head'] {
  const issues = geo.head.issues.map(i => `${i.kind}: ${i.message}`);
  // A constant scale in the graph is what the numeric check measures and folds into W; any other
  // issue (softcap, quantized, masked, ...) makes the head not linear whatever a few rows show.
  const blocking = geo.head.issues.filter(i => i.kind !== 'scaled').map(i => `${i.kind}: ${i.message}`);
  if (!hasHidden || !geo.weights || !check) {
    const why = issues[0] ?? geo.weightsError ?? (hasHidden ? 'the head weight could not be read' : 'no LM head found in the graph');
    return { verdict: 'unavailable', message: `the LM head cannot be checked (${why})`, relativeError: null, fittedScale: null, issues };
  }
  // The graph analysis can see a softcap or quantized head even where a few rows happen to agree.
  const verdict = blocking.length > 0 ? 'not-linear' : check.verdict;
  const message = verdict === check.verdict ? check.message : `the head is not plain linear-softmax (${blocking.join('; ')}); geometry views that need W are off`;
  return { verdict, message, relativeError: check.relativeError, fittedScale: check.fittedScale, issues };
}

function on(message: string): { on: boolean; message: string } {
  return { on: true, message };
}

function off(message: string): { on: boolean; message: string } {
  return { on: false, message };
}
