/**
 * Issue 15: a model whose context (2,048) exceeds the old 1,024 cap. The CLI with default options
 * must reproduce the float64 reference of the whole ~1,900-token file scored in one window (the
 * model's true conditionals), not the shortened-context numbers a 1,024-token window gives.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { main } from '../../../src/cli/main';

const fixtures = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures');
interface RefToken { index: number; nll: number; entropy: number; rank: number; context: number }
const ref = JSON.parse(readFileSync(join(fixtures, 'reference', 'gpt2-long-context.json'), 'utf8')) as {
  contextLength: number; cases: Array<{ text: string; windows: Array<{ window: number; stride: number; tokens: RefToken[] }> }>;
};

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: { write: s => { stdout += s; } }, stderr: { write: s => { stderr += s; } }, env: {} });
  return { code, stdout, stderr };
}

test('CLI defaults on a 2,048-context model reproduce the one-window float64 reference of a 1,900-token file', async () => {
  const [c] = ref.cases;
  const full = c.windows.find(w => w.window === ref.contextLength)!;
  const short = c.windows.find(w => w.window === 1024)!;
  assert.ok(full.tokens.length > 1800 && full.tokens.length < ref.contextLength, `${full.tokens.length} tokens`);
  const dir = mkdtempSync(join(tmpdir(), 'markov-lens-long-'));
  try {
    const file = join(dir, 'long.txt');
    writeFileSync(file, c.text);
    const { code, stdout, stderr } = await cli(['analyze', file, '--model', join(fixtures, 'models', 'gpt2-long-context'), '--format', 'json']);
    assert.equal(code, 0, stderr);
    assert.equal(stderr, '', 'no window cap note: the model fits the memory budget');
    const doc = JSON.parse(stdout) as { scoring: { window: number; stride: number; windowCapped?: string }; tokens: Array<{ nll: number; entropy: number; rank: number; context: number }> };
    assert.deepEqual([doc.scoring.window, doc.scoring.stride, doc.scoring.windowCapped], [2048, 1024, undefined]);
    assert.equal(doc.tokens.length, full.tokens.length);
    let worstOld = 0;
    doc.tokens.forEach((t, i) => {
      const r = full.tokens[i];
      assert.equal(t.context, r.context, `context of token ${i}`);
      assert.ok(Math.abs(t.nll - r.nll) <= 1e-4, `nll of token ${i}: ${t.nll} vs ${r.nll}`);
      assert.ok(Math.abs(t.entropy - r.entropy) <= 1e-4, `entropy of token ${i}`);
      assert.equal(t.rank, r.rank, `rank of token ${i}`);
      worstOld = Math.max(worstOld, Math.abs(short.tokens[i].nll - r.nll));
    });
    // What the old default (1,024-token windows) got wrong on the same file, for scale.
    assert.ok(worstOld > 0.1, `the 1,024-token windows differ by up to ${worstOld} nats`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a memory budget too small for the whole context caps the default window and says so on stderr and in the JSON', async () => {
  const [c] = ref.cases;
  const dir = mkdtempSync(join(tmpdir(), 'markov-lens-long-'));
  try {
    const file = join(dir, 'long.txt');
    writeFileSync(file, c.text);
    const { code, stdout, stderr } = await cli(['analyze', file, '--model', join(fixtures, 'models', 'gpt2-long-context'), '--format', 'json', '--window-memory', '1']);
    assert.equal(code, 0, stderr);
    const doc = JSON.parse(stdout) as { scoring: { window: number; windowCapped?: string }; tokens: unknown[] };
    assert.ok(doc.scoring.window < 2048, `window ${doc.scoring.window}`);
    assert.match(doc.scoring.windowCapped ?? '', /^window capped at \d+ tokens: a window of the model's full context \(2048 tokens\) needs about/);
    assert.match(stderr, /^markov-lens: note: window capped at \d+ tokens/);
    assert.equal(doc.tokens.length, c.windows[0].tokens.length, 'every token is still scored (windowed, never truncated)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
