/**
 * The inference worker (worker_threads): owns the ONNX Runtime session, because session.run blocks
 * its thread. Loads one model, then serves analyses one at a time, streaming each window's records.
 * Bundled to dist/worker.js; under tsc it is out/src/model/worker.js.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isInputError } from '../core/errors';
import { packGeometry } from '../protocol/geometryWire';
import type { HostToWorker, RequestFailedReply, WorkerToHost } from '../protocol/worker';
import { analyzeText } from './analyzer';
import { closeGeometrySession, openGeometrySession, type GeometrySession } from './geometrySession';
import { analyzeWithGeometry } from './geometryRun';
import { KvCheckpoints } from './kvCheckpoints';
import type { LoadOptions } from './api';
import { disposeModel, loadModel, type LoadedModel } from './loader';
import { serveGeometryTasks } from './geometryTasks';
import { serveReductions } from './reducerThread';
import { removeTelemetryLog } from './telemetryLog';

const port = parentPort;
if (!port) throw new Error('worker.ts must run as a worker_threads worker');
// The same script also runs the inference worker's reduction and geometry threads (one bundle, three roles).
const role = (workerData as { role?: string } | null)?.role ?? 'inference';

let model: LoadedModel | undefined;
let loadOptions: LoadOptions = {};
/** The hidden-state-exposed session, made on the first geometry request for the loaded model. */
let geometry: GeometrySession | undefined;
/**
 * KV caches of recently scored windows, for live re-analysis (bounded by a byte budget). Verified id
 * by id before use, so analyses of other documents cannot mislead it; cleared with the model.
 */
const checkpoints = new KvCheckpoints();
/** Ids of analyses asked to stop; checked between windows. */
const cancelled = new Set<number>();
/** Analyses run one after another: a queue keeps a second request from interleaving its runs. */
let queue: Promise<void> = Promise.resolve();

function send(message: WorkerToHost): void {
  port!.postMessage(message);
}

function failure(id: number, e: unknown): RequestFailedReply {
  if (isInputError(e)) return { type: 'request/failed', id, error: { kind: 'input', code: e.code, message: e.message, subject: e.subject } };
  const err = e instanceof Error ? e : new Error(String(e));
  return { type: 'request/failed', id, error: { kind: 'internal', message: err.message, stack: err.stack } };
}

async function handle(message: HostToWorker): Promise<void> {
  switch (message.type) {
    case 'model/load': {
      checkpoints.clear();
      await closeGeometrySession(geometry);
      geometry = undefined;
      if (model) await disposeModel(model);
      model = undefined;
      loadOptions = { variant: message.variant, executionProviders: message.executionProviders, intraOpThreads: message.intraOpThreads };
      model = await loadModel(message.modelDir, loadOptions);
      removeTelemetryLog();
      send({ type: 'model/loaded', id: message.id, info: model.info, selfTestDelta: model.selfTestDelta });
      return;
    }
    case 'analysis/start': {
      if (!model) throw new Error('no model loaded');
      const id = message.id;
      if (message.geometry) {
        geometry ??= await openGeometrySession(model, loadOptions);
        const result = await analyzeWithGeometry(model, geometry, message, message.geometry, {
          started: (scoring, tokens, tokenizeMs) => send({ type: 'analysis/started', id, scoring, tokens, tokenizeMs }),
          batch: (batch, hiddenNorm) => send({ type: 'analysis/records', id, batch, hiddenNorm }),
          progress: (done, total) => send({ type: 'analysis/progress', id, done, total }),
          cancelled: () => cancelled.has(id),
        });
        send({ type: 'analysis/done', id, inferenceMs: result.inferenceMs, geometry: packGeometry(result.geometry), geometryMs: result.geometryMs });
        return;
      }
      const result = await analyzeText(model, { ...message, checkpoints }, {
        started: (scoring, tokens, tokenizeMs) => send({ type: 'analysis/started', id, scoring, tokens, tokenizeMs }),
        batch: batch => send({ type: 'analysis/records', id, batch }),
        progress: (done, total) => send({ type: 'analysis/progress', id, done, total }),
        cancelled: () => cancelled.has(id),
      });
      send({ type: 'analysis/done', id, inferenceMs: result.inferenceMs });
      return;
    }
    case 'vocab/texts': {
      if (!model) throw new Error('no model loaded');
      const { tokenizer } = model;
      const texts = message.tokenIds.map(t => (Number.isInteger(t) && t >= 0 && t < tokenizer.vocabSize ? tokenizer.tokenText(t) : ''));
      send({ type: 'vocab/texts', id: message.id, texts });
      return;
    }
    case 'model/dispose': {
      checkpoints.clear();
      await closeGeometrySession(geometry);
      geometry = undefined;
      if (model) await disposeModel(model);
      model = undefined;
      removeTelemetryLog();
      send({ type: 'model/disposed', id: message.id });
      return;
    }
    case 'analysis/cancel':
      return; // handled on arrival, never queued
  }
}

if (role === 'reducer') serveReductions(port);
else if (role === 'geometry') serveGeometryTasks(port);
else port.on('message', (message: HostToWorker) => {
  if (message.type === 'analysis/cancel') {
    cancelled.add(message.id);
    return;
  }
  queue = queue.then(async () => {
    try {
      await handle(message);
    } catch (e) {
      send(failure(message.id, e));
    } finally {
      cancelled.delete(message.id);
    }
  });
});
