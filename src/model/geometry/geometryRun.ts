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
import { InputError } from '../../core/errors';
import {
  computeGeometry, gatherHeadRows, geometrySteps, headRowIds, kernelChoices, resolveGeometryOptions, unavailableReason,
  type GeometryInput, type GeometryOptions, type GeometryReport, type GeometryViewState, type HeadCheckResult, type ResolvedGeometryOptions, type SurplusA2,
} from '../../core/geometry';
import type { PrototypeRowsResult } from '../../core/geometry/prototypeRows';
import { runStepsAsync, type StepReply, type Steps } from '../../core/geometry/steps';
import { analyzeText, type AnalysisSink, type AnalyzeParams } from '../run/analyzer';
import { headVerdict, type HeadModel } from './headModel';
import { operatorOff, tooShort } from './operatorOff';
import { GeometryThreadFeed } from './threadFeed';
import { GeometryGathering, type KeptGeometryInput } from './keptInput';
import type { LoadedModel } from '../load/loader';
import type { RunObserver } from '../run/observers';
import { WindowScorer } from '../run/scorer';
import { ablatedLogProbs } from './surplusRuns';

/** Fewer tokens than this and the core refuses (a spectrum of a handful of contexts means nothing). */
export const MIN_GEOMETRY_TOKENS = 8;

export interface GeometrySink extends AnalysisSink {
  batch(batch: RecordBatch, hiddenNorm?: Float64Array): void;
}

/**
 * An analysis with geometry: the analysis runs with the gathering observers (and the geometry
 * thread fed while it runs), then the geometry is computed from what was gathered. The gathered
 * input is returned too, so that the engine can keep it for later requests (keptInput.ts).
 */
export async function analyzeWithGeometry(
  model: LoadedModel,
  geo: HeadModel,
  params: AnalyzeParams,
  wanted: GeometryOptions,
  sink: GeometrySink,
  keptId = 0,
  /** Other observers of the same runs (the layer lens). */
  more: readonly RunObserver[] = [],
): Promise<{ inferenceMs: number; geometry: GeometryReport; geometryMs: number; kept: KeptGeometryInput; input?: GeometryInput }> {
  const options = resolveGeometryOptions(wanted);
  checkGeometryOptions(options);
  const gathering = new GeometryGathering(model, geo, options);
  const feed = new GeometryThreadFeed(geo, options, gathering.capture, gathering.hasHidden, model.logitsWidth, options.seed);
  const { inferenceMs } = await analyzeText(model, params, {
    started: (scoring, tokens, tokenizeMs, ids, doc) => {
      gathering.started(ids);
      sink.started(scoring, tokens, tokenizeMs, ids, doc);
    },
    batch: batch => {
      gathering.batch(batch);
      feed.batch(batch);
      sink.batch(batch, gathering.norms(batch));
    },
    progress: (done, total) => sink.progress(done, total),
    cancelled: () => sink.cancelled(),
  }, {
    // The capture first: the feed's begin reads the rows the capture's begin makes.
    observers: [gathering.capture, feed, ...(gathering.branch ? [gathering.branch] : []), ...more],
    reductionExtras: gathering.capture,
  });
  const started = performance.now();
  const builtRows = feed.inferenceDone(gathering.tokens);
  const kept = gathering.finish(keptId);
  const used: { input?: GeometryInput } = {};
  const { geometry } = await geometryFromKept(model, geo, kept, options, builtRows, undefined, used);
  return { inferenceMs, geometry, geometryMs: performance.now() - started, kept, ...used };
}

/**
 * The geometry of a kept (or just gathered) input for `options`: heuristic B's short runs when
 * asked for (once per kept input), the head check, then computeGeometry (on the geometry thread
 * where there is one). No window of the document is run again. `prototypeRows`: rows the geometry
 * thread built during inference, when this follows the analysis directly.
 */
export async function geometryFromKept(
  model: LoadedModel, geo: HeadModel, kept: KeptGeometryInput, wanted: GeometryOptions,
  prototypeRows?: Promise<PrototypeRowsResult | undefined>, cancelled: () => boolean = () => false,
  /** Set to the input of an operator with alignment (the layer lens's per-layer alignment reuses it). */
  used: { input?: GeometryInput } = {},
): Promise<{ geometry: GeometryReport; geometryMs: number }> {
  const started = performance.now();
  const options = resolveGeometryOptions(wanted);
  checkGeometryOptions(options);
  const surplus = await surplusRuns(model, kept, options);
  if (prototypeRows) {
    const waiting = performance.now();
    surplus.prototypeRows = await prototypeRows;
    surplus.timings.rowsWaitMs = performance.now() - waiting;
  }
  try {
    const geometry = await geometryOf(model, geo, kept, options, surplus, cancelled, used);
    return { geometry, geometryMs: performance.now() - started };
  } finally {
    geo.thread?.settle();
  }
}

/** Refuses, before any work, a kernel and side combination no model can give (the data side takes only the prototype kernel). */
export function checkGeometryOptions(options: Pick<ResolvedGeometryOptions, 'kernel' | 'side'>): void {
  const refused = unavailableReason(kernelChoices(), options.kernel, options.side);
  if (refused) throw new InputError(`${options.kernel} kernel, ${options.side} side: ${refused}`, 'settings-invalid', 'kernel');
}

/** Heuristic B's short runs (option; one step per distinct token, kept once made) and A2 as gathered (deep option). */
async function surplusRuns(model: LoadedModel, kept: KeptGeometryInput, options: ResolvedGeometryOptions): Promise<SurplusInputs> {
  const ids = kept.ids;
  if (options.contextAblation && ids.length > 2 && !kept.ablated) {
    kept.ablated = await ablatedLogProbs(new WindowScorer(model.session, model.signature), model.signature, ids, model.logitsWidth);
  }
  const b = options.contextAblation ? kept.ablated : undefined;
  const gathered = kept.deep;
  const branch = options.deepSurplus > 0 ? gathered : null;
  const cost: NonNullable<GeometryReport['surplusCost']> = { bDistinctTokens: b?.distinctTokens ?? 0, bRuns: b?.runs ?? 0, a2BranchRuns: branch?.branchRuns ?? 0 };
  const timings = { surplusBMs: b?.ms ?? 0, surplusA2Ms: branch?.ms ?? 0 };
  let deep: GeometryViewState | null = null;
  let surplusA2: SurplusA2 | undefined;
  if (options.deepSurplus > 0) {
    if (!gathered || gathered.positions !== options.deepSurplus || gathered.seed !== options.seed) {
      deep = off(`surplus A2: the analysis gathered ${gathered ? `${gathered.positions} positions (seed ${gathered.seed})` : 'no branches'}; re-run the analysis to gather ${options.deepSurplus} (seed ${options.seed})`);
    } else if (gathered.failure || !gathered.result) {
      deep = off(`surplus A2: ${gathered.failure ?? 'no result'}`);
    } else {
      surplusA2 = gathered.result;
      deep = on(`surplus A2 on ${gathered.result.positions} sampled positions`);
    }
  }
  return { ablatedLogProb: b?.values, surplusA2, cost, timings, deep };
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

async function geometryOf(model: LoadedModel, geo: HeadModel, kept: KeptGeometryInput, resolved: ResolvedGeometryOptions, surplus: SurplusInputs, cancelled: () => boolean, used: { input?: GeometryInput }): Promise<GeometryReport> {
  const { shifts, ...options } = resolved;
  const preparing = performance.now();
  const hasHidden = kept.hidden !== null;
  const check = hasHidden && geo.weights?.vocab === model.logitsWidth ? headVerdict(geo, kept.check.hidden, kept.check.logits, kept.check.rows) : geo.check;
  const head = headReport(geo, check, hasHidden);
  const headUsable = head.verdict === 'linear' || head.verdict === 'scaled';
  const choices = kernelChoices(headUsable, head.message);
  const views: GeometryReport['views'] = {
    hiddenNorm: hasHidden ? on('‖h_t‖ of the head input before each token') : off(`the hidden state could not be exposed: ${head.message}`),
    head: headUsable ? on(head.message) : off(`off: ${head.message}`),
    alignment: headUsable && hasHidden ? on(head.message) : off(`off: ${head.message}`),
    spectrum: options.kernel !== 'prototype' || headUsable ? on(`${options.kernel} kernel, ${options.side} side`) : off(`off: the prototype kernel needs the head rows W; ${head.message}`),
    ...(surplus.deep ? { deepSurplus: surplus.deep } : {}),
  };
  // A combination the geometry cannot give is refused with the reason, before any work (never a crash of the thread).
  const refused = unavailableReason(choices, options.kernel, options.side);
  if (refused && options.kernel !== 'prototype') throw new InputError(`${options.kernel} kernel, ${options.side} side: ${refused}`, 'settings-invalid', 'kernel');
  const base: GeometryInput = { ...kept.base, ablatedLogProb: surplus.ablatedLogProb, surplusA2: surplus.surplusA2 };
  const T = base.targets.length;
  const surplusCost = surplus.cost;
  const withSurplus = (r: GeometryReport): GeometryReport => ({ ...r, surplusCost, choices, timings: { ...r.timings, ...surplus.timings } });
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
  if (views.alignment.on && kept.hidden) input.hidden = { data: kept.hidden, d: kept.d };
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
  const steps = cancellable(geometrySteps(input, core), cancelled);
  const result = geo.thread?.healthy ? await geo.thread.run(steps, geo.products) : await runStepsAsync(steps, geo.products);
  return withSurplus({ ...result, head, views, options });
}

/** The steps, stopped with a 'cancelled' error at the first step after `cancelled()` turns true (between windows' tasks). */
function* cancellable<R>(steps: Steps<R>, cancelled: () => boolean): Steps<R> {
  let reply: StepReply | undefined;
  for (;;) {
    const step = reply === undefined ? steps.next() : steps.next(reply);
    if (step.done) return step.value;
    if (cancelled()) {
      steps.return(undefined as never);
      throw new InputError('geometry cancelled', 'cancelled');
    }
    reply = yield step.value;
  }
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
