/**
 * Keeps the engine process (src/model/client/engineProcess.ts) for the extension host: started on
 * first use, stopped when asked (idle, deactivation), and when it dies on its own (killed, a native
 * abort, out of memory) it is reported and started afresh, unless it died more than
 * MAX_CRASHES_PER_MINUTE times in a minute: then automatic restarts stop until `restart()` (the
 * user's Restart button). The host itself never loads ONNX Runtime, so it stays up either way.
 */
import type * as vscode from 'vscode';
import { startEngineProcess, type EngineProcess } from '../model/client/engineProcess';
import { stoppedMessage } from '../model/ipc/transports';
import { InputError } from '../core/errors';

export const MAX_CRASHES_PER_MINUTE = 3;

export interface EngineCrash {
  /** "the engine process stopped (signal SIGKILL)". */
  message: string;
  code: number | null;
  signal: string | null;
  /** True when automatic restarts are now off (too many crashes in a minute). */
  halted: boolean;
}

export class EngineSupervisor {
  private engine: EngineProcess | undefined;
  private readonly crashes: number[] = [];
  private halted = false;
  private readonly listeners: Array<(crash: EngineCrash) => void> = [];

  constructor(private readonly log: vscode.LogOutputChannel, private readonly start: () => EngineProcess = () => startEngineProcess({
    onStderr: text => log.warn(`engine: ${text.trimEnd()}`),
  })) {}

  onCrash(listener: (crash: EngineCrash) => void): void {
    this.listeners.push(listener);
  }

  /** The running engine, started when there is none. Refuses while automatic restarts are off. */
  current(): EngineProcess {
    if (this.halted) {
      throw new InputError(`the engine crashed more than ${MAX_CRASHES_PER_MINUTE} times in a minute and is stopped; use Restart to start it again`, 'engine-halted');
    }
    if (!this.engine) this.engine = this.launch();
    return this.engine;
  }

  /** The engine's process id, when one runs (for the log and tests). */
  get pid(): number | undefined {
    return this.engine?.pid;
  }

  get isHalted(): boolean {
    return this.halted;
  }

  /** After the user asked: forgets the crash history and starts a fresh engine. */
  restart(): void {
    this.halted = false;
    this.crashes.length = 0;
    void this.stop();
    this.engine = this.launch();
  }

  /** Stops the engine (its models are freed with the process); the next `current()` starts another. */
  async stop(): Promise<void> {
    const old = this.engine;
    this.engine = undefined;
    await old?.stop();
  }

  private launch(): EngineProcess {
    const engine = this.start();
    this.log.info(`Engine process started (pid ${engine.pid})`);
    void engine.exited.then(({ code, signal }) => {
      if (this.engine !== engine) return; // stopped on purpose
      this.engine = undefined;
      const now = Date.now();
      this.crashes.push(now);
      while (this.crashes.length && now - this.crashes[0] > 60_000) this.crashes.shift();
      this.halted = this.crashes.length > MAX_CRASHES_PER_MINUTE;
      const crash: EngineCrash = { message: stoppedMessage('engine process', code, signal), code, signal, halted: this.halted };
      this.log.error(`${crash.message}${this.halted ? '; automatic restarts are off' : '; starting a new one'}`);
      if (!this.halted) this.engine = this.launch();
      for (const l of this.listeners) l(crash);
    });
    return engine;
  }
}
