/**
 * S1, S2 (issue 21): the spectrum panel computes the geometry from what the engine kept of the
 * analysis (AnalyzeRequest.keep), never running the model over the document again.
 *   S1 = opening the spectrum after an analysis (geometry of the kept input, default options) / that analysis.
 *   S2 = switching the kernel (prototype → Bhattacharyya, same kept input) / that analysis.
 * The analysis is the one the extension runs (top-k 10, `keep` on). Also reported (not goals): S0, the
 * cost of keeping, as (analysis with keep) / (plain analysis), paired back to back; and the bytes kept.
 * Text: about 20,000 tokens (argparse.py is 22,859 with the bundled model). One warm-up cycle first.
 */
import { openModel } from '../src/model/client/openModel';
import { figure, stats, textOfTokens, type Figure } from './lib';

export const SPECTRUM_TOKENS = 20_000;

export async function benchSpectrum(modelDir: string, runs: number): Promise<{ S0: Figure; S1: Figure; S2: Figure }> {
  const text = textOfTokens(modelDir, SPECTRUM_TOKENS);
  const engine = await openModel(modelDir);
  const time = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
    const t0 = performance.now();
    const value = await f();
    return [value, performance.now() - t0];
  };
  try {
    const cycle = async () => {
      const [, plainMs] = await time(() => engine.analyze({ text, topK: 10 }));
      const [analysis, keptMs] = await time(() => engine.analyze({ text, topK: 10, keep: true }));
      const kept = analysis.kept;
      if (!kept || kept.id === null) throw new Error(`nothing kept: ${kept ? kept.reason : 'no reply'}`);
      const [open, openMs] = await time(() => engine.geometry!(kept.id, {}));
      const [, switchMs] = await time(() => engine.geometry!(kept.id, { kernel: 'bhattacharyya' }));
      return { plainMs, keptMs, openMs, switchMs, bytes: kept.bytes, tokens: analysis.tokens.length, geometryMs: open.geometryMs };
    };
    await cycle(); // warm-up: the head model, the geometry thread and V8's optimised geometry code
    const results = [];
    for (let i = 0; i < runs; i++) results.push(await cycle());
    const last = results[results.length - 1];
    const note = (what: string) => `${what}; ${last.tokens} tokens, analysis ${(last.keptMs / 1000).toFixed(1)} s, ${(last.bytes / 2 ** 20).toFixed(1)} MB kept`;
    return {
      S0: figure(stats(results.map(r => r.keptMs / r.plainMs)), 'small (not a goal)', () => true, note('analysis keeping the geometry input / plain analysis')),
      S1: figure(stats(results.map(r => r.openMs / r.keptMs)), '<= 0.10', v => v <= 0.1, note(`open the spectrum (default kernel) / the analysis; last open ${(last.openMs / 1000).toFixed(2)} s`)),
      S2: figure(stats(results.map(r => r.switchMs / r.keptMs)), '<= 0.10', v => v <= 0.1, note(`switch to the Bhattacharyya kernel / the analysis; last switch ${(last.switchMs / 1000).toFixed(2)} s`)),
    };
  } finally {
    await engine.dispose();
  }
}
