/**
 * The engine against the committed float64 references (test/fixtures/reference/*.json, computed
 * with PyTorch from the fixture weights): per token NLL, entropy, varentropy, logZ within 1e-4
 * nats (fp32) or 1e-2 (fp16); ranks and top-k ids exact for fp32; context counts exact; every
 * window configuration, including sliding windows through the KV cache.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TokenRecord } from '../../../src/core/analysis';
import { summarize } from '../../../src/core/analysis';
import { utf8Length } from '../../../src/core/document';
import { expandBatch } from '../../../src/core/records';
import { analyzeText } from '../../../src/model/run/analyzer';
import { disposeModel, loadModel, type LoadedModel } from '../../../src/model/load/loader';

interface RefToken { index: number; id: number; context: number; nonFinite?: boolean; nll: number | null; entropy: number | null; varentropy: number | null; rank: number | null; logZ: number | null; top: Array<[number, number]> | null }
interface RefDoc {
  model: string;
  prefixTokenId: number;
  topK: number;
  cases: Array<{ name: string; text: string; ids: number[]; windows: Array<{ window: number; stride: number; tokens: RefToken[]; summary: { totalNll: number | null; nonFinite: number } }> }>;
}

const root = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures');
const referenceDir = join(root, 'reference');

async function score(model: LoadedModel, text: string, window: number, stride: number, topK: number, chunk?: number): Promise<TokenRecord[]> {
  const records: TokenRecord[] = [];
  await analyzeText(model, { text, topK, window, stride, chunk }, {
    started: () => undefined,
    batch: b => records.push(...expandBatch(b)),
    progress: () => undefined,
    cancelled: () => false,
  });
  return records;
}

function close(actual: unknown, expected: number | null, tol: number, what: string): void {
  if (expected === null) return assert.equal(actual, null, what);
  assert.ok(typeof actual === 'number' && Math.abs(actual - expected) <= tol, `${what}: ${String(actual)} vs ${expected} (tol ${tol})`);
}

const files = existsSync(referenceDir) ? readdirSync(referenceDir).filter(f => f.endsWith('.json')).sort() : [];

test('reference fixtures are present', () => {
  assert.ok(files.length > 0, `no reference files in ${referenceDir}`);
});

for (const file of files) {
  const ref = JSON.parse(readFileSync(join(referenceDir, file), 'utf8')) as RefDoc;
  const modelDir = join(root, 'models', ref.model);
  test(`${ref.model}: every token matches the float64 reference (${file})`, async () => {
    const model = await loadModel(modelDir, { intraOpThreads: 1 });
    try {
      const fp16 = model.signature.logitsType === 'float16' || model.signature.past.some(p => p.type === 'float16');
      const tol = fp16 ? 1e-2 : 1e-4;
      assert.equal(model.tokenizer.prefixTokenId, ref.prefixTokenId, 'prefix token');
      for (const c of ref.cases) {
        assert.deepEqual(Array.from(model.tokenizer.encode(c.text).ids), c.ids, `${c.name}: token ids`);
        // The long text also runs in chunks of 7 through the KV cache inside each window.
        for (const [w, chunk] of c.windows.flatMap(w => (c.name === 'long' ? [[w, undefined], [w, 7]] : [[w, undefined]]) as Array<[typeof w, number | undefined]>)) {
          const where = `${c.name} L=${w.window} S=${w.stride}${chunk ? ` C=${chunk}` : ''}`;
          const records = await score(model, c.text, w.window, w.stride, ref.topK, chunk);
          assert.equal(records.length, w.tokens.length, `${where}: token count`);
          w.tokens.forEach((e, i) => {
            const r = records[i];
            const at = `${where} #${i}`;
            assert.equal(r.index, e.index, at);
            assert.equal(r.id, e.id, at);
            assert.equal(r.context, e.context, `${at} context`);
            close(r.nll, e.nll, tol, `${at} nll`);
            close(r.entropy, e.entropy, tol, `${at} entropy`);
            close(r.varentropy, e.varentropy, fp16 ? 5e-2 : 1e-4, `${at} varentropy`);
            close(r.logZ, e.logZ, fp16 ? 5e-2 : 1e-4, `${at} logZ`);
            if (e.top === null) {
              assert.deepEqual(r.top, [], at);
              return;
            }
            if (!fp16) {
              assert.equal(r.rank, e.rank, `${at} rank`);
              assert.deepEqual(r.top.map(t => t[0]), e.top.map(t => t[0]), `${at} top ids`);
            } else {
              // fp16 logits tie and reorder near-equal entries: compare probabilities by rank slot.
              assert.ok(Math.abs((r.rank as number) - (e.rank as number)) <= Math.max(2, 0.05 * (e.rank as number)), `${at} rank ${r.rank} vs ${e.rank}`);
            }
            // Top probabilities compared as log-probabilities, with the NLL tolerance.
            r.top.forEach((t, j) => close(Math.log(t[1]), Math.log(e.top![j][1]), tol, `${at} top log p[${j}]`));
          });
          const s = summarize(records, utf8Length(c.text));
          assert.equal(s.nonFinite, w.summary.nonFinite, `${where} nonFinite`);
          // No finite token: the project reports null figures (the reference writes a total of 0).
          if (s.tokens - s.nonFinite === 0) assert.equal(s.totalNll, null, `${where} total`);
          else close(s.totalNll, w.summary.totalNll, tol * records.length, `${where} total`);
        }
      }
    } finally {
      await disposeModel(model);
    }
  });
}
