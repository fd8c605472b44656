/**
 * One folder scan in the editor: the same files (.gitignore respected), the same per-file scoring
 * and the same scan@1 lines as `markov-lens scan`, through the extension's engine process (the warm
 * model every analysis shares). Per file only its line (summary and hot spans) is kept, so memory
 * grows with the number of files, not their tokens. Lines are handed out as they finish.
 */
import type * as vscode from 'vscode';
import { readFound, type ReadResult } from '../cli/scan/readFile';
import { scoreRead } from '../cli/scan/scoreFile';
import { walkFiles, type FoundFile } from '../cli/scan/walk';
import { isInputError } from '../core/errors';
import type { ScanLine } from '../core/scan/record';
import type { ScanProgressState } from '../protocol/scanPanel';
import { readConfig } from './config';
import type { EngineHost } from './engineHost';

export interface FolderScanEvents {
  /** The model is loaded and the files are listed. */
  started(model: string, total: number): void;
  line(line: ScanLine, progress: ScanProgressState): void;
}

export interface FolderScanResult {
  lines: ScanLine[];
  cancelled: boolean;
  elapsedSeconds: number;
}

/** Lists a folder's files without holding the host's event loop for long (a pause every 200 entries). */
async function listFiles(folder: string, signal: AbortSignal): Promise<FoundFile[]> {
  const files: FoundFile[] = [];
  for (const f of walkFiles(folder, [folder], { include: [], exclude: [] })) {
    files.push(f);
    if (files.length % 200 === 0) {
      await new Promise(resolve => setImmediate(resolve));
      if (signal.aborted) break;
    }
  }
  return files;
}

export async function scanFolder(folder: string, extensionPath: string, engines: EngineHost, events: FolderScanEvents, signal: AbortSignal, log: vscode.LogOutputChannel): Promise<FolderScanResult> {
  const started = performance.now();
  const config = readConfig(extensionPath);
  const maxBytes = config.maxFileSizeKB * 1024;
  let loaded = await engines.get(config);
  const files = await listFiles(folder, signal);
  events.started(loaded.engine.info.name, files.length);
  log.info(`Folder scan of ${folder}: ${files.length} files with ${loaded.engine.info.name}`);
  const lines: ScanLine[] = [];
  const totalBytes = files.reduce((s, f) => s + f.size, 0);
  let doneBytes = 0;
  let tokens = 0;
  const request = { topK: 0, ...(config.window ? { window: config.window } : {}), ...(config.stride ? { stride: config.stride } : {}), signal };
  let next: Promise<ReadResult> | undefined = files.length ? readFound(files[0], maxBytes) : undefined;
  for (let i = 0; i < files.length && next && !signal.aborted; i++) {
    const read = await next;
    next = i + 1 < files.length ? readFound(files[i + 1], maxBytes) : undefined; // read while this one is scored
    let scored;
    try {
      scored = await scoreRead(read, maxBytes, text => loaded.engine.analyze({ text, ...request }), signal);
    } catch (e) {
      if (signal.aborted || (isInputError(e) && e.code === 'cancelled')) break;
      throw e;
    }
    if (scored.engineStopped) {
      log.warn(`Folder scan: the engine stopped while scoring ${read.file.path}; going on with a new one`);
      loaded = await engines.get(readConfig(extensionPath));
    }
    lines.push(scored.line);
    tokens += scored.tokens;
    doneBytes += read.file.size;
    const seconds = (performance.now() - started) / 1000;
    events.line(scored.line, {
      done: i + 1, total: files.length, tokensPerSecond: seconds > 0 ? tokens / seconds : 0,
      secondsLeft: doneBytes > 0 ? ((totalBytes - doneBytes) * seconds) / doneBytes : null,
    });
  }
  return { lines, cancelled: signal.aborted, elapsedSeconds: (performance.now() - started) / 1000 };
}
