/**
 * In-host scenarios of Export… and Copy summary (issue 18), with the real vscode API and engine:
 * the exported JSON and CSV are byte-equal to `markov-lens analyze` (and `compare`) run on the same
 * file with the same settings from the workspace folder, the heatmap and a spectrum chart are
 * written as PNGs that decode, and the summary on the clipboard carries the analysis's figures.
 * The browser suite (test/e2e/share.mjs) drives the same through the panel's button, the quick pick
 * and the save dialog.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { inflateSync } from 'node:zlib';
import * as vscode from 'vscode';
import { twin } from './compare';
import { api, waitFor, workspaceFile, type Scenario } from './hostUtil';

const FILE = 'share-export.txt';
const TEXT = 'Export me: the quick brown fox jumps over the lazy dog.\nA second line, with "quotes", commas and $& dollars.\n';

function cli(cwd: string, ...args: string[]): string {
  const root = vscode.extensions.getExtension('markov-lens.markov-lens')!.extensionPath;
  return execFileSync(process.execPath, [path.join(root, 'dist', 'cli.js'), ...args], { cwd, encoding: 'utf8', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
}

/** The CLI flags that give the extension's current settings. */
function settingsFlags(): string[] {
  const c = vscode.workspace.getConfiguration('markovLens');
  const flags = ['--model', '', '--top-k', String(c.get<number>('topK', 10)), '--window-memory', String(c.get<number>('windowMemoryMB', 2048))];
  if (c.get<number>('window', 0)) flags.push('--window', String(c.get<number>('window')));
  if (c.get<number>('stride', 0)) flags.push('--stride', String(c.get<number>('stride')));
  return flags;
}

/**
 * Decodes a PNG far enough to know it is one: signature, IHDR, the zlib stream of the IDAT chunks
 * inflated to exactly height × (1 + width × bytes per pixel) bytes (8-bit RGB or RGBA).
 */
export function decodePng(bytes: Buffer): { width: number; height: number } {
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  let at = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (at < bytes.length) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    const data = bytes.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      assert.equal(data[8], 8, 'bit depth 8');
      channels = data[9] === 6 ? 4 : data[9] === 2 ? 3 : 0;
      assert.ok(channels, `colour type ${data[9]}`);
    }
    if (type === 'IDAT') idat.push(data);
    if (type === 'IEND') break;
    at += 12 + length;
  }
  assert.ok(width > 0 && height > 0, `size ${width}×${height}`);
  assert.equal(inflateSync(Buffer.concat(idat)).length, height * (1 + width * channels), 'image data inflates to the declared size');
  return { width, height };
}

async function analysed(): Promise<vscode.Uri> {
  const uri = workspaceFile(FILE);
  await vscode.workspace.fs.writeFile(uri, Buffer.from(TEXT, 'utf8'));
  const outcome = await vscode.commands.executeCommand('markovLens.analyzeFile', uri);
  assert.ok(outcome, 'the analysis finished');
  return uri;
}

async function withTemp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ml-host-share-'));
  try { return await fn(dir); } finally { rmSync(dir, { recursive: true, force: true }); }
}

export const shareScenarios: Scenario[] = [
  ['export: JSON and CSV are byte-equal to markov-lens analyze on the same file and settings', async () => {
    const uri = await analysed();
    const lens = await api();
    const folder = vscode.workspace.getWorkspaceFolder(uri)!.uri.fsPath;
    const flags = settingsFlags();
    flags[1] = lens.effectiveModelPath().path;
    await withTemp(async dir => {
      const json = vscode.Uri.file(path.join(dir, 'a.json'));
      const csv = vscode.Uri.file(path.join(dir, 'a.csv'));
      assert.equal(await vscode.commands.executeCommand('markovLens.export', uri, 'json', json), json.toString());
      assert.equal(await vscode.commands.executeCommand('markovLens.export', uri, 'csv', csv), csv.toString());
      const exported = readFileSync(json.fsPath, 'utf8');
      assert.equal(JSON.parse(exported).input.path, FILE, 'input.path is relative to the workspace folder, as the CLI run there writes it');
      assert.equal(exported, cli(folder, 'analyze', FILE, ...flags, '--format', 'json'));
      assert.equal(readFileSync(csv.fsPath, 'utf8'), cli(folder, 'analyze', FILE, ...flags, '--format', 'csv'));
    });
  }],

  ['export: a comparison exports as markov-lens compare writes it (JSON and CSV)', async () => {
    const uri = await analysed();
    const lens = await api();
    const against = await twin();
    assert.ok(await vscode.commands.executeCommand('markovLens.compareWithModel', uri, against), 'the comparison finished');
    const folder = vscode.workspace.getWorkspaceFolder(uri)!.uri.fsPath;
    const flags = settingsFlags();
    flags[1] = lens.effectiveModelPath().path;
    await withTemp(async dir => {
      for (const format of ['json', 'csv']) {
        const file = vscode.Uri.file(path.join(dir, `c.${format}`));
        assert.equal(await vscode.commands.executeCommand('markovLens.export', uri, format, file), file.toString());
        assert.equal(readFileSync(file.fsPath, 'utf8'), cli(folder, 'compare', FILE, ...flags, '--against', against, '--format', format), format);
      }
    });
    const summary = await vscode.commands.executeCommand<string>('markovLens.copySummary', uri);
    assert.match(summary, new RegExp(`\\*\\*Compared with\\*\\* ${path.basename(against)}`));
    assert.match(summary, /\| Mean KL\(base ‖ Q\), nats \| \d/);
  }],

  ['export: Copy summary puts the figures on the clipboard as Markdown', async () => {
    const uri = await analysed();
    const result = (await api()).result(uri)!;
    await vscode.env.clipboard.writeText('');
    const text = await vscode.commands.executeCommand<string>('markovLens.copySummary', uri);
    assert.equal(await vscode.env.clipboard.readText(), text);
    const s = result.header!.summary;
    assert.match(text, new RegExp(`^\\*\\*Markov Lens\\*\\*: ${FILE.replace('.', '\\.')}`));
    assert.ok(text.includes(`| Model | ${result.header!.model.name} (`), text);
    assert.ok(text.includes(`| Tokens | ${s.tokens} |`), text);
    assert.ok(text.includes(`| Bits per byte | ${s.bitsPerByte!.toFixed(4)} |`), text);
    assert.ok(text.includes(`| Perplexity | ${s.perplexity!.toFixed(3)} |`), text);
    assert.ok(text.includes(`| Mean entropy | ${(s.meanEntropy! / Math.LN2).toFixed(4)} bits/token |`), text);
  }],

  ['export: the heatmap panel and the spectrum charts are written as PNGs that decode', async () => {
    const uri = await analysed();
    await withTemp(async dir => {
      const heat = vscode.Uri.file(path.join(dir, 'heat.png'));
      assert.equal(await vscode.commands.executeCommand('markovLens.export', uri, 'heatmap-png', heat), heat.toString());
      const size = decodePng(readFileSync(heat.fsPath));
      assert.ok(size.width >= 200 && size.height >= 200, `heatmap ${size.width}×${size.height}`);
      await vscode.commands.executeCommand('markovLens.showSpectrum', uri);
      await waitFor('the geometry', async () => (await api()).result(uri)?.geometry, 120_000);
      for (const chart of ['spectrum', 'scatter', 'calibration']) {
        const file = vscode.Uri.file(path.join(dir, `${chart}.png`));
        assert.equal(await vscode.commands.executeCommand('markovLens.export', uri, `${chart}-png`, file), file.toString(), chart);
        const chartSize = decodePng(readFileSync(file.fsPath));
        assert.ok(chartSize.width >= 100 && chartSize.height >= 100, `${chart} ${chartSize.width}×${chartSize.height}`);
      }
    });
  }],
];
