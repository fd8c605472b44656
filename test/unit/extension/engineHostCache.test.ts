/**
 * Model cache of the extension's EngineHost, run in plain Node on the real worker and the
 * gpt2-bytelevel fixture (EngineHost only needs a log channel from VS Code): analyses that start
 * together share one load, the model stays warm across documents, a changed model file reloads it,
 * and an idle model is released and reloaded on the next analysis.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type * as vscode from 'vscode';
import type { MarkovLensConfig } from '../../../src/extension/config';
import { EngineHost } from '../../../src/extension/engineHost';

const fixture = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'models', 'gpt2-bytelevel');
const scratch = mkdtempSync(join(tmpdir(), 'markov-lens-enginehost-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A log channel that keeps the messages, so the test can count model loads. */
function recordingLog(): { log: vscode.LogOutputChannel; loads(): number; lines: string[] } {
  const lines: string[] = [];
  const keep = (m: string) => { lines.push(m); };
  const log = { info: keep, warn: keep, error: keep, debug: keep, trace: keep } as unknown as vscode.LogOutputChannel;
  return { log, lines, loads: () => lines.filter(l => l.startsWith('Loading model')).length };
}

function configFor(modelPath: string): MarkovLensConfig {
  return {
    modelPath, workspaceModelPathIgnored: false, onnxVariant: '', topK: 5, window: 0, stride: 0,
    heatmapMetric: 'nll', heatmapScale: 'quantile', decorations: true, maxFileSizeKB: 1024, windowMemoryMB: 2048, geometry: { deepSurplus: 0, contextAblation: false }, executionProviders: [], threads: 0, settingProblems: [],
  } as MarkovLensConfig;
}

test('analyses that start together share one load, and the model stays warm across documents', async () => {
  const { log, loads } = recordingLog();
  const host = new EngineHost(log, 0);
  try {
    const config = configFor(fixture);
    const [a, b] = await Promise.all([host.get(config), host.get(config)]);
    assert.equal(loads(), 1);
    assert.equal(a.engine, b.engine);
    const [first, second] = await Promise.all([a.engine.analyze({ text: 'first file' }), b.engine.analyze({ text: 'second file, other text' })]);
    assert.equal(first.tokens.length > 0 && second.tokens.length > first.tokens.length, true);
    const again = await host.get(config);
    assert.equal(again.engine, a.engine, 'same engine for the next document');
    assert.equal(loads(), 1);
  } finally {
    host.dispose();
  }
});

test('a change of the threads setting reloads the model', async () => {
  const { log, loads, lines } = recordingLog();
  const host = new EngineHost(log, 0);
  try {
    const automatic = await host.get(configFor(fixture));
    const two = await host.get({ ...configFor(fixture), threads: 2 });
    assert.equal(loads(), 2);
    assert.notEqual(two.engine, automatic.engine);
    assert.ok(lines.some(l => l.startsWith('Loading model') && l.includes('threads by model size')), lines.join('\n'));
    assert.ok(lines.some(l => l.startsWith('Loading model') && l.includes('threads 2')), lines.join('\n'));
  } finally {
    host.dispose();
  }
});

test('a model file modified in place is reloaded', async () => {
  const dir = join(scratch, 'touched');
  cpSync(fixture, dir, { recursive: true });
  const { log, loads } = recordingLog();
  const host = new EngineHost(log, 0);
  try {
    const before = await host.get(configFor(dir));
    const text = 'The same text twice.';
    const expected = await before.engine.analyze({ text });
    const later = new Date(Date.now() + 5000);
    utimesSync(join(dir, 'model.onnx'), later, later);
    const reloaded = await host.get(configFor(dir));
    assert.equal(loads(), 2);
    assert.notEqual(reloaded.engine, before.engine);
    assert.deepEqual((await reloaded.engine.analyze({ text })).tokens.map(t => t.nll), expected.tokens.map(t => t.nll));
  } finally {
    host.dispose();
  }
});

test('an idle model is released and the next analysis loads it again', async () => {
  const { log, loads, lines } = recordingLog();
  const host = new EngineHost(log, 200);
  try {
    const loaded = await host.get(configFor(fixture));
    await loaded.engine.analyze({ text: 'warm' });
    assert.equal(host.warm, true);
    await new Promise(resolve => setTimeout(resolve, 600));
    assert.equal(host.warm, false, 'released after the idle time');
    assert.ok(lines.some(l => l.startsWith('Releasing the model')));
    const next = await host.get(configFor(fixture));
    assert.equal(loads(), 2);
    assert.ok((await next.engine.analyze({ text: 'cold again' })).tokens.length > 0);
  } finally {
    host.dispose();
  }
});

test('the model to compare against loads once in the same engine, is replaced by another folder, and both compare', async () => {
  const noisy = join(fixture, '..', 'gpt2-bytelevel-noisy');
  const { log, loads } = recordingLog();
  const host = new EngineHost(log, 0);
  try {
    const config = configFor(fixture);
    const base = await host.get(config);
    const [a, b] = await Promise.all([host.getAgainst(noisy, config), host.getAgainst(noisy, config)]);
    assert.equal(a.engine, b.engine, 'one load for two requests');
    assert.equal(loads(), 2);
    const c = await base.engine.compare!(a.engine, { text: 'Two models, one engine.' });
    assert.equal(c.kind, 'same-tokenizer');
    assert.ok(c.tokens.length > 0 && c.summary.kld !== null && c.summary.kld.mean > 0);
    const other = await host.getAgainst(fixture, config);
    assert.notEqual(other.engine, a.engine, 'another folder replaces it');
    assert.equal(loads(), 3);
    const self = await base.engine.compare!(other.engine, { text: 'Two models, one engine.' });
    assert.equal(self.summary.kld?.max, 0, 'the same model twice compares to zeros');
  } finally {
    host.dispose();
  }
});
