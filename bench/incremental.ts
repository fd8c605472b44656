/**
 * P4: a one-character edit near the end of an 8,192-token document, re-analysed, divided by the full
 * analysis of the original. Goal <= 0.10. The engine contract has no incremental request yet (no
 * document key, no KV prefix reuse), so today the re-analysis is a full analysis and the figure
 * measures that; it is the baseline a live mode must beat.
 */
import { openModel } from '../src/model/engine';
import { figure, stats, textOfTokens, type Figure } from './lib';

export async function benchIncremental(modelDir: string, runs: number): Promise<Figure> {
  const text = textOfTokens(modelDir, 8192);
  const at = text.length - 200;
  const edited = text.slice(0, at) + 'x' + text.slice(at);
  const engine = await openModel(modelDir);
  try {
    await engine.analyze({ text }); // warm-up
    const ratios: number[] = [];
    for (let i = 0; i < runs; i++) {
      let t0 = performance.now();
      await engine.analyze({ text });
      const full = performance.now() - t0;
      t0 = performance.now();
      await engine.analyze({ text: edited });
      ratios.push((performance.now() - t0) / full);
    }
    return figure(stats(ratios), '<= 0.10', v => v <= 0.1, 'no incremental mode in the engine yet: the edit re-analyses the whole document');
  } finally {
    await engine.dispose();
  }
}
