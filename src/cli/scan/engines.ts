/**
 * The scan's engines: N engine processes with the same model (each a `LanguageModelEngine`), the
 * ONNX Runtime threads shared out between them, and a fresh engine in place of one that stopped.
 */
import { availableParallelism } from 'node:os';
import type { LanguageModelEngine } from '../../model/api';
import { openModel, type OpenModelOptions } from '../../model/client/openModel';

export class EnginePool {
  private constructor(readonly engines: LanguageModelEngine[], private readonly open: () => Promise<LanguageModelEngine>) {}

  static async start(modelDir: string, jobs: number, options: OpenModelOptions): Promise<EnginePool> {
    // One engine chooses its threads by the model's size (model/onnx/threads.ts); several share half
    // the cores (each engine's reduction thread takes the other half). Results do not depend on the
    // thread count (checked in the scan tests).
    const intraOpThreads = options.intraOpThreads ?? (jobs === 1 ? undefined : Math.max(1, Math.floor(availableParallelism() / 2 / jobs)));
    const open = (): Promise<LanguageModelEngine> => openModel(modelDir, { ...options, intraOpThreads, process: true });
    const started = await Promise.allSettled(Array.from({ length: jobs }, open));
    const engines = started.flatMap(s => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      await Promise.all(engines.map(e => e.dispose()));
      throw failed.reason;
    }
    return new EnginePool(engines, open);
  }

  /** Replaces engine `slot` (after its process stopped) with a new one. */
  async restart(slot: number): Promise<LanguageModelEngine> {
    await this.engines[slot].dispose().catch(() => undefined);
    this.engines[slot] = await this.open();
    return this.engines[slot];
  }

  async dispose(): Promise<void> {
    await Promise.all(this.engines.map(e => e.dispose().catch(() => undefined)));
  }
}
