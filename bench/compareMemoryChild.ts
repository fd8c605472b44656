/**
 * P8m child process (one per measurement, so peaks do not mix): opens the base model alone
 * ('analyze') or both models ('compare') in an engine in this process, scores 64 characters
 * (baseline RSS), then the whole text while sampling the RSS; the peak also takes getrusage's
 * maxRSS when it rose during the run. Prints one JSON line.
 *
 *   node out/bench/compareMemoryChild.js analyze|compare MODEL_DIR OTHER_DIR TEXT_FILE
 */
import { readFileSync } from 'node:fs';
import { openModel, openModelPair } from '../src/model/client/openModel';

async function main(): Promise<void> {
  const [mode, modelDir, againstDir, textFile] = process.argv.slice(2);
  const text = readFileSync(textFile, 'utf8');
  const pair = mode === 'compare' ? await openModelPair(modelDir, againstDir) : undefined;
  const single = pair ? undefined : await openModel(modelDir);
  const run = async (t: string): Promise<number> => (pair ? (await pair.model.compare!(pair.against, { text: t })).tokens.length : (await single!.analyze({ text: t })).tokens.length);
  await run(text.slice(0, 64));
  const baseline = process.memoryUsage.rss();
  const maxBefore = process.resourceUsage().maxRSS * 1024;
  let peak = baseline;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()); }, 5);
  const tokens = await run(text);
  clearInterval(sampler);
  const maxAfter = process.resourceUsage().maxRSS * 1024;
  if (maxAfter > maxBefore) peak = Math.max(peak, maxAfter);
  await (pair ? pair.dispose() : single!.dispose());
  console.log(JSON.stringify({ mode, tokens, baseline, peak }));
}

main().catch(e => {
  console.error(e);
  process.exitCode = 1;
});
