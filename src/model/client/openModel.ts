/**
 * Opens a model for a front end that owns it alone (the CLI, tests, benchmarks): in an engine in
 * this process (no start-up cost; ONNX Runtime's runs then block this thread between windows) or,
 * with `process: true`, in an engine process of its own. Either way requests go through the same
 * channel and the same client (engineClient.ts).
 */
import { MessageChannel } from 'node:worker_threads';
import { Channel } from '../../protocol/channel';
import type { EngineMethods, FrontEndMethods } from '../../protocol/engine';
import type { LanguageModelEngine } from '../api';
import { portTransport } from '../ipc/transports';
import { serveEngine } from '../service/engineService';
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
  const ports = new MessageChannel();
  const service = serveEngine(new Channel<EngineMethods, FrontEndMethods>(portTransport(ports.port2, 'front end'), 'engine'));
  const channel = new Channel<FrontEndMethods, EngineMethods>(portTransport(ports.port1, 'engine'), 'engine');
  const close = async (): Promise<void> => {
    channel.close();
    await service.close();
    ports.port2.close();
  };
  try {
    return await loadRemoteModel(channel, modelDir, modelOptions, close);
  } catch (e) {
    await close();
    throw e;
  }
}
