/**
 * Opens a model for a front end that owns it alone (the CLI, tests, benchmarks): in an engine on a
 * worker thread of this process (no process start-up) or, with `process: true`, in an engine
 * process of its own. Either way requests go through the same
 * channel and the same client (engineClient.ts).
 */
import { Worker } from 'node:worker_threads';
import { InputError, isInputError } from '../../core/errors';
import { Channel } from '../../protocol/channel';
import type { EngineMethods, FrontEndMethods } from '../../protocol/engine';
import type { LanguageModelEngine } from '../api';
import { portTransport } from '../ipc/transports';
import { ENGINE_SCRIPT } from '../enginePath';
import { WORKER_RESOURCE_LIMITS } from '../threads/limits';
import { loadRemoteModel, type ModelOptions } from './engineClient';
import { startEngineProcess } from './engineProcess';

export interface OpenModelOptions extends ModelOptions {
  /** Run the engine in a child process (default: in this process). */
  process?: boolean;
}

export async function openModel(modelDir: string, options: OpenModelOptions = {}): Promise<LanguageModelEngine> {
  const { process: own, ...modelOptions } = options;
  if (own) {
    const engine = startEngineProcess();
    try {
      return await loadRemoteModel(engine.channel, modelDir, modelOptions, () => engine.stop());
    } catch (e) {
      await engine.stop();
      throw e;
    }
  }
  const { channel, close } = inProcessEngine();
  try {
    return await loadRemoteModel(channel, modelDir, modelOptions, close);
  } catch (e) {
    await close();
    throw e;
  }
}

/**
 * An engine service on a worker thread of this process and the channel to it: the caller's thread
 * stays free while ONNX Runtime runs (records are unpacked there as the next window runs), as with
 * the engine process, without a process's start-up.
 */
function inProcessEngine(): { channel: Channel<FrontEndMethods, EngineMethods>; close(): Promise<void> } {
  const worker = new Worker(ENGINE_SCRIPT, { workerData: { role: 'engine' }, resourceLimits: WORKER_RESOURCE_LIMITS });
  const channel = new Channel<FrontEndMethods, EngineMethods>(portTransport(worker, 'engine thread'), 'engine');
  return {
    channel,
    async close() {
      const exited = new Promise<void>(resolve => worker.once('exit', () => resolve()));
      channel.close();
      await exited;
    },
  };
}

export interface ModelPair {
  model: LanguageModelEngine;
  against: LanguageModelEngine;
  /** Releases both models and the engine. */
  dispose(): Promise<void>;
}

/**
 * Two models in one engine in this process, for a comparison (the CLI, tests, benchmarks). A model
 * that fails to load is named by its role: the error's message starts with `labels.model` or
 * `labels.against` (InputErrors keep their code).
 */
export async function openModelPair(modelDir: string, againstDir: string, options: OpenModelOptions & { againstVariant?: string; labels?: { model: string; against: string } } = {}): Promise<ModelPair> {
  const { process: _own, againstVariant, labels = { model: 'the base model', against: 'the model compared against' }, ...modelOptions } = options;
  const { channel, close } = inProcessEngine();
  const opened: LanguageModelEngine[] = [];
  const load = async (dir: string, variant: string | undefined, label: string) => {
    try {
      opened.push(await loadRemoteModel(channel, dir, { ...modelOptions, variant }));
      return opened[opened.length - 1];
    } catch (e) {
      throw labelled(label, e);
    }
  };
  try {
    const model = await load(modelDir, modelOptions.variant, labels.model);
    const against = await load(againstDir, againstVariant, labels.against);
    return {
      model, against,
      async dispose() {
        for (const m of opened) await m.dispose();
        await close();
      },
    };
  } catch (e) {
    for (const m of opened) await m.dispose().catch(() => undefined);
    await close();
    throw e;
  }
}

function labelled(label: string, e: unknown): unknown {
  if (!isInputError(e)) return e;
  return new InputError(`${label}: ${e.message}`, e.code, e.subject);
}
