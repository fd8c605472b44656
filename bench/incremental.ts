/**
 * P4: a one-character edit near the end of an 8,192-token document, re-analysed, divided by the full
 * analysis of the original. Goal <= 0.10. The re-analysis passes the previous analysis
 * (AnalyzeRequest.previous, live mode): windows before the edit keep their records, the window
 * holding the edit resumes from the worker's KV checkpoint at the last chunk boundary before it
 * (src/model/kvCheckpoints.ts), and only the rest is scored again. Here the edit lands in the last
 * full window (8,192 = 1,024 + 14 x 512), re-fed from the chunk before it (128 tokens); when the edit
 * changes the token count, a window clipped at the new end follows, and it runs whole (1,024 tokens
 * for its few targets) as in a fresh analysis, since its start moved. Each run times a full
 * analysis and then the live one back to back.
 */
import { openModel } from '../src/model/client/openModel';
import { figure, stats, textOfTokens, type Figure } from './lib';

export async function benchIncremental(modelDir: string, runs: number): Promise<Figure> {
  const text = textOfTokens(modelDir, 8192);
  const at = text.length - 200;
  const edited = text.slice(0, at) + 'x' + text.slice(at);
  const engine = await openModel(modelDir);
  try {
    await engine.analyze({ text }); // warm-up
    const ratios: number[] = [];
    let reused = 0;
    let total = 0;
    for (let i = 0; i < runs; i++) {
      let t0 = performance.now();
      const previous = await engine.analyze({ text });
      const full = performance.now() - t0;
      t0 = performance.now();
      const live = await engine.analyze({ text: edited, previous });
      ratios.push((performance.now() - t0) / full);
      reused = live.reusedTokens ?? 0;
      total = live.tokens.length;
    }
    return figure(stats(ratios), '<= 0.10', v => v <= 0.1, `edit 200 characters before the end; ${reused} of ${total} records kept (whole windows, then the edited window resumed from a KV checkpoint), the rest re-scored`);
  } finally {
    await engine.dispose();
  }
}
