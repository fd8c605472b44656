/**
 * P3, R3, R4 child process (one per measurement, so peaks do not mix): loads the model in the engine's
 * worker, analyses 16 tokens (baseline RSS), then analyses the large text while the host thread
 * samples the process RSS (the worker shares the process). OPTIONS_JSON adds fields to both analysis
 * requests (e.g. {"geometry":true}). Prints one JSON line; maxRss is getrusage's peak of the whole
 * process, loading included.
 *
 *   node out/bench/memoryChild.js MODEL_DIR TEXT_FILE [OPTIONS_JSON]
 */
import { readFileSync } from 'node:fs';
import type { AnalyzeRequest } from '../src/model/api';
import { openModel } from '../src/model/client/openModel';

async function main(): Promise<void> {
  const [modelDir, textFile, optionsJson] = process.argv.slice(2);
  const text = readFileSync(textFile, 'utf8');
  const options = JSON.parse(optionsJson ?? '{}') as Omit<AnalyzeRequest, 'text'>;
  const engine = await openModel(modelDir);
  const small = await engine.analyze({ ...options, text: text.slice(0, 64) });
  const baseline = process.memoryUsage.rss();
  const maxBefore = process.resourceUsage().maxRSS * 1024;
  let peak = baseline;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()); }, 5);
  const analysis = await engine.analyze({ ...options, text });
  clearInterval(sampler);
  // maxRSS also sees spikes between samples, but only once it rises above the loading peak.
  const maxAfter = process.resourceUsage().maxRSS * 1024;
  if (maxAfter > maxBefore) peak = Math.max(peak, maxAfter);
  await engine.dispose();
  console.log(JSON.stringify({ smallTokens: small.tokens.length, tokens: analysis.tokens.length, baseline, peak, maxRss: maxAfter }));
}

main().catch(e => {
  console.error(e);
  process.exitCode = 1;
});
