/**
 * Starts the engine as a child Node process, the way language clients start servers: fork the
 * engine script with an IPC pipe (structured clone, so typed arrays stay typed), and under
 * Electron (desktop VS Code) with ELECTRON_RUN_AS_NODE=1 so its binary runs as plain Node. Only
 * that process loads ONNX Runtime: a native crash there ends the process, never the caller.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { Channel } from '../../protocol/channel';
import type { EngineMethods, FrontEndMethods } from '../../protocol/engine';
import { ENGINE_SCRIPT } from '../enginePath';
import { childProcessTransport } from '../ipc/transports';
import type { EngineChannel } from './engineClient';

export interface EngineProcess {
  readonly channel: EngineChannel;
  readonly pid: number | undefined;
  /** Resolves when the process has exited, with how. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Closes the pipe (the engine frees its models and exits), then kills it if it lingers. */
  stop(graceMs?: number): Promise<void>;
}

export interface EngineProcessOptions {
  /** The engine's stderr lines (its own errors, ONNX Runtime's warnings). */
  onStderr?(text: string): void;
  /** Extra environment for the process. */
  env?: Record<string, string>;
}

export function startEngineProcess(options: EngineProcessOptions = {}): EngineProcess {
  const child: ChildProcess = fork(ENGINE_SCRIPT, [], {
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    // The host's own flags (inspector ports, --max-old-space-size of a test runner) are not the engine's.
    execArgv: [],
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', ...options.env },
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => options.onStderr?.(text));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(resolve => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const channel: EngineChannel = new Channel<FrontEndMethods, EngineMethods>(childProcessTransport(child, 'engine process'), 'engine process');
  return {
    channel,
    pid: child.pid,
    exited,
    async stop(graceMs = 3000) {
      channel.close();
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      timer.unref();
      await exited;
      clearTimeout(timer);
    },
  };
}
