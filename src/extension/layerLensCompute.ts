/**
 * Gets the layer lens of an analysed document from the engine: a range of its tokens (the whole
 * document up to 4,096 tokens, else what the editor shows), or the whole document with the geometry
 * for the per-layer alignment. Always on the analysed text, with the analysis's window and stride,
 * and only when the loaded model is the one that made the analysis.
 */
import type * as vscode from 'vscode';
import type { LayerLensOutcome } from '../core/lens/types';
import { readConfig } from './config';
import type { EngineHost } from './engineHost';
import type { DocumentResult } from './results';

export interface LensProgress {
  signal: AbortSignal;
  onProgress(done: number, total: number): void;
}

export class LensComputer {
  constructor(private readonly extensionPath: string, private readonly engines: EngineHost, private readonly log: vscode.LogOutputChannel) {}

  async range(result: DocumentResult, from: number, to: number, p: LensProgress): Promise<LayerLensOutcome> {
    const { engine, header } = await this.engineFor(result);
    if (!engine.lens) throw new Error('this engine has no layer lens');
    const started = performance.now();
    const lens = await engine.lens({ text: result.text, from, to, window: header.window, stride: header.stride, signal: p.signal, onProgress: p.onProgress });
    this.log.info(`Layer lens of ${result.fileName}, tokens ${from}..${to - 1}: ${'off' in lens ? lens.reason : `${lens.count} layers`} in ${(performance.now() - started).toFixed(0)} ms`);
    return lens;
  }

  /** The whole document's lens with the per-layer alignment (an analysis with geometry and the lens). */
  async alignment(result: DocumentResult, p: LensProgress): Promise<LayerLensOutcome> {
    const { engine, header, config } = await this.engineFor(result);
    const started = performance.now();
    const analysis = await engine.analyze({
      text: result.text, topK: header.topK, window: header.window, stride: header.stride, signal: p.signal, onProgress: p.onProgress,
      geometry: { ...config.geometry, ...(result.geometryRequest ?? {}) }, layers: true,
    });
    this.log.info(`Layer lens with per-layer alignment of ${result.fileName} in ${(performance.now() - started).toFixed(0)} ms`);
    if (!analysis.layers) throw new Error('the engine returned no layer lens');
    return analysis.layers;
  }

  private async engineFor(result: DocumentResult) {
    const header = result.header;
    if (!header) throw new Error(`${result.fileName} has no finished analysis yet`);
    const config = readConfig(this.extensionPath);
    const { engine } = await this.engines.get(config);
    if (engine.info.path !== header.model.path) {
      throw new Error(`${result.fileName} was analysed with ${header.model.name}, but the model setting now loads ${engine.info.name}: run the analysis again`);
    }
    return { engine, header, config };
  }
}
