/**
 * Transports for the channel (src/protocol/channel.ts): a worker thread or message port, a child
 * process's IPC pipe (host side), and this process's pipe to its parent (engine side). Each reports
 * once why the other side went away, with the exit code and signal where there are some.
 */
import type { ChildProcess } from 'node:child_process';
import type { MessagePort, Worker } from 'node:worker_threads';
import { EngineStoppedError } from '../../core/errors';
import type { Transport, WireMessage } from '../../protocol/channel';

/** A worker thread (seen from its parent) or a message port (a thread's parentPort, a MessageChannel end). */
export function portTransport(port: Worker | MessagePort, name: string): Transport {
  return {
    send: (message, transfer) => port.postMessage(message, transfer as ArrayBuffer[] | undefined),
    listen(onMessage, onClose) {
      port.on('message', onMessage);
      port.on('error', (e: Error) => onClose(e));
      port.on('exit', (code: number) => onClose(new EngineStoppedError(`the ${name} exited (code ${code})`, code, null)));
      port.on('close', () => onClose(new EngineStoppedError(`the ${name} closed`, null, null)));
    },
    close() {
      if ('terminate' in port) void port.terminate();
      else port.close();
    },
  };
}

/** The IPC pipe to a child process started with `fork(..., { serialization: 'advanced' })`. */
export function childProcessTransport(child: ChildProcess, name: string): Transport {
  return {
    send(message) {
      if (!child.connected) throw new EngineStoppedError(`the ${name} is not running`, child.exitCode, child.signalCode);
      child.send(message);
    },
    listen(onMessage, onClose) {
      child.on('message', m => onMessage(m as WireMessage));
      child.on('error', e => onClose(new EngineStoppedError(`the ${name} failed: ${e.message}`, null, null)));
      child.on('exit', (code, signal) => onClose(new EngineStoppedError(stoppedMessage(name, code, signal), code, signal)));
    },
    close() {
      if (child.connected) child.disconnect();
    },
  };
}

/** "the engine process stopped (signal SIGKILL)" / "(exit code 3)". */
export function stoppedMessage(name: string, code: number | null, signal: string | null): string {
  return `the ${name} stopped (${signal ? `signal ${signal}` : `exit code ${code}`})`;
}

/** This process's pipe to the parent that forked it (the engine's side of childProcessTransport). */
export function parentProcessTransport(): Transport {
  const send = process.send?.bind(process);
  if (!send) throw new Error('no IPC channel to a parent process');
  return {
    send: message => { send(message); },
    listen(onMessage, onClose) {
      process.on('message', m => onMessage(m as WireMessage));
      process.on('disconnect', () => onClose(new EngineStoppedError('the parent process disconnected', null, null)));
    },
    close() {
      if (process.connected) process.disconnect();
    },
  };
}
