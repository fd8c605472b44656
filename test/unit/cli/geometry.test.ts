/**
 * `markov-lens analyze FILE --geometry` through the real main() and worker: the JSON geometry block
 * and per-token fields, the options (--kernel, --side, --eigen, --seed), and the text table.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type CliRun, runCli } from './runCli';

const fixtures = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures');
const gpt2 = join(fixtures, 'models', 'gpt2-bytelevel');
let work: string;
let input: string;

before(() => {
  work = mkdtempSync(join(tmpdir(), 'ml-cli-geometry-'));
  const ref = JSON.parse(readFileSync(join(fixtures, 'reference', 'gpt2-bytelevel.json'), 'utf8')) as { cases: Array<{ name: string; text: string }> };
  input = join(work, 'long.txt');
  writeFileSync(input, ref.cases.find(c => c.name === 'long')!.text);
});
after(() => rmSync(work, { recursive: true, force: true }));

const cli = (...argv: string[]): Promise<CliRun> => runCli(argv);

interface Doc {
  tokens: Array<Record<string, unknown>>;
  geometry: {
    kernel: { name: string; side: string };
    eigenvalues: number[];
    alignment: { Ak: number[]; nullPercentile: { Ak: number[] } } | null;
    surplus: { A1: { value: number; basis: string } };
    perTokenFields: string[];
    perToken?: unknown;
    options: { seed: number; eigenpairs: number };
  };
}

test('--geometry --format json: the block and the per-token fields', async () => {
  const r = await cli('analyze', input, '--model', gpt2, '--format', 'json', '--geometry', '--eigen', '10', '--seed', '3');
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as Doc;
  const g = doc.geometry;
  assert.equal(g.kernel.name, 'prototype');
  assert.equal(g.kernel.side, 'model');
  assert.equal(g.eigenvalues.length, 10);
  g.eigenvalues.forEach((x, j) => assert.ok(j === 0 || x <= g.eigenvalues[j - 1]));
  assert.ok(g.alignment && g.alignment.Ak.length > 0 && g.alignment.nullPercentile.Ak.length === g.alignment.Ak.length);
  assert.equal(typeof g.surplus.A1.value, 'number');
  assert.equal(g.options.seed, 3);
  assert.equal(g.perToken, undefined, 'per-token arrays live on the records');
  for (const t of doc.tokens) {
    assert.equal(typeof t.hiddenNorm, 'number');
    assert.equal(typeof t.excessSurprisal, 'number');
    assert.equal(typeof t.varentropy, 'number');
    assert.ok(Array.isArray(t.psi) && Array.isArray(t.phi));
    for (const f of g.perTokenFields) assert.ok(f in t, `record field ${f}`);
    assert.ok(!('contextAblationBHeuristic' in t), 'no B layer without --context-ablation');
  }
  assert.ok(g.perTokenFields.includes('excessSurprisal'));
  assert.ok(!g.perTokenFields.includes('contextAblationBHeuristic'), 'perTokenFields lists only the fields the records carry');
  const again = JSON.parse((await cli('analyze', input, '--model', gpt2, '--format', 'json', '--geometry', '--eigen', '10', '--seed', '3')).stdout) as Doc;
  assert.deepEqual(again.geometry.eigenvalues, g.eigenvalues);
  assert.deepEqual(again.geometry.alignment, g.alignment);
  assert.deepEqual(again.tokens.map(t => t.phi), doc.tokens.map(t => t.phi));
});

test('--side data and --kernel haochen are passed through', async () => {
  const data = JSON.parse((await cli('analyze', input, '--model', gpt2, '--format', 'json', '--geometry', '--side', 'data', '--eigen', '6')).stdout) as Doc;
  assert.equal(data.geometry.kernel.side, 'data');
  assert.equal(data.geometry.eigenvalues.length, 6);
  const hc = JSON.parse((await cli('analyze', input, '--model', gpt2, '--format', 'json', '--geometry', '--kernel', 'haochen', '--eigen', '6')).stdout) as Doc;
  assert.equal(hc.geometry.kernel.name, 'haochen');
});

test('--geometry --format text: a spectrum/alignment table after the heatmap', async () => {
  const r = await cli('analyze', input, '--model', gpt2, '--geometry', '--eigen', '5', '--no-color');
  assert.equal(r.code, 0, r.stderr);
  const at = r.stdout.indexOf('\ngeometry: ');
  assert.ok(at > 0 && r.stdout.indexOf('perplexity') < at, 'table after the summary line');
  const table = r.stdout.slice(at);
  assert.match(table, /j\s+lambda_j\s+rho_j\s+A_k\s+null pct/);
  assert.equal(table.split('\n').filter(l => /^\s+[1-5]\s+\d/.test(l)).length, 5);
  assert.match(table, /surplus A1 \(model-defined, exact\): \d+\.\d+ nats/);
  assert.match(table, /surplus B \(heuristic\): off; add --context-ablation to compute it/);
  const plain = await cli('analyze', input, '--model', gpt2, '--no-color');
  assert.ok(!plain.stdout.includes('geometry:'));
});

interface SurplusDoc {
  tokens: Array<Record<string, unknown>>;
  geometry: {
    surplus: {
      A2: { value: number; conditionalEntropy: number; mixtureEntropy: number; cap: number; positions: number; candidates: number; coveredMass: number; minCoveredMass: number; provenance: string } | null;
      B: { mean: number; ci: number[]; provenance: string } | null;
    };
    surplusCost: { bDistinctTokens: number; bRuns: number; a2BranchRuns: number };
    perTokenFields: string[];
    options: { deepSurplus: number; contextAblation: boolean };
    provenance: Record<string, string>;
  };
}

test('--geometry --deep-surplus 16 --context-ablation: surplus A2 with its fields, and the heuristic B layer', async () => {
  const r = await cli('analyze', input, '--model', gpt2, '--format', 'json', '--geometry', '--eigen', '4', '--deep-surplus', '16', '--context-ablation');
  assert.equal(r.code, 0, r.stderr);
  const g = (JSON.parse(r.stdout) as SurplusDoc).geometry;
  const A2 = g.surplus.A2!;
  assert.ok(A2, 'geometry.surplus.A2 present');
  assert.equal(A2.positions, 16);
  assert.equal(A2.candidates, 8);
  assert.equal(A2.cap, Math.log(16));
  assert.ok(A2.value >= 0 && A2.value <= A2.cap, `A2 ${A2.value} in [0, log S]`);
  assert.ok(Math.abs(A2.value - (A2.mixtureEntropy - A2.conditionalEntropy)) < 1e-12);
  assert.ok(A2.coveredMass > 0 && A2.coveredMass <= 1 && A2.minCoveredMass <= A2.coveredMass);
  assert.equal(A2.provenance, 'model-defined');
  assert.equal(g.provenance.surplusA2, 'model-defined');
  assert.equal(g.options.deepSurplus, 16);
  assert.equal(g.options.contextAblation, true);
  assert.ok(g.surplusCost.bRuns > 0 && g.surplusCost.bDistinctTokens > 0);
  const B = g.surplus.B!;
  assert.equal(B.provenance, 'heuristic');
  assert.ok(Number.isFinite(B.mean) && B.ci[0] <= B.mean && B.mean <= B.ci[1]);
  assert.ok(g.perTokenFields.includes('contextAblationBHeuristic'));
  const doc = JSON.parse(r.stdout) as SurplusDoc;
  const layer = doc.tokens.map(t => t.contextAblationBHeuristic);
  assert.ok(layer.slice(0, -1).every(x => typeof x === 'number' && Number.isFinite(x)), 'B finite for every token with a token after it');
  assert.equal(layer[layer.length - 1], null);

  const text = await cli('analyze', input, '--model', gpt2, '--geometry', '--eigen', '4', '--deep-surplus', '16', '--context-ablation', '--no-color');
  assert.match(text.stdout, /surplus A2 \(model-defined, branch look-ahead\): \d+\.\d+ nats .*cap log S 2\.7726; S 16, k_b 8, covered mass 0\.\d+/);
  assert.match(text.stdout, /surplus B \(heuristic\): mean -?\d+\.\d+ nats, 95% CI \[-?\d+\.\d+, -?\d+\.\d+\]/);
  // Both off by default (no A2, no B and no short runs), and meaningless without --geometry.
  const offDoc = JSON.parse((await cli('analyze', input, '--model', gpt2, '--format', 'json', '--geometry', '--eigen', '4')).stdout) as SurplusDoc;
  const off = offDoc.geometry;
  assert.equal(off.surplus.A2, null);
  assert.equal(off.surplus.B, null);
  assert.equal(off.options.contextAblation, false);
  assert.deepEqual(off.surplusCost, { bDistinctTokens: 0, bRuns: 0, a2BranchRuns: 0 });
  assert.ok(offDoc.tokens.every(t => !('contextAblationBHeuristic' in t)));
  const bad = await cli('analyze', input, '--model', gpt2, '--deep-surplus', '16');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--deep-surplus: only meaningful with --geometry/);
  const badB = await cli('analyze', input, '--model', gpt2, '--context-ablation');
  assert.equal(badB.code, 2);
  assert.match(badB.stderr, /--context-ablation: only meaningful with --geometry/);
});
