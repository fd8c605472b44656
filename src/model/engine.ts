/**
 * The engine's script, bundled to dist/engine.js (under tsc: out/src/model/engine.js), in one of
 * four roles: the engine process a front end forks (it serves the engine's methods over the IPC
 * pipe and exits when its parent goes), the same engine on a worker thread of a front end's own
 * process (the CLI, tests, benchmarks: openModel), or, inside either, its reduction or geometry thread.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Channel } from '../protocol/channel';
import type { EngineMethods, FrontEndMethods } from '../protocol/engine';
import { serveGeometryTasks } from './geometry/threadTasks';
import { parentProcessTransport, portTransport } from './ipc/transports';
import { serveReductions } from './run/reducerThread';
import { serveEngine } from './service/engineService';

if (!isMainThread && parentPort) {
  const role = (workerData as { role?: string } | null)?.role;
  if (role === 'reducer') serveReductions(parentPort);
  else if (role === 'geometry') serveGeometryTasks(parentPort);
  else if (role === 'engine') serveEngine(new Channel<EngineMethods, FrontEndMethods>(portTransport(parentPort, 'front end'), 'engine thread'));
  else throw new Error(`engine.js: unknown thread role ${String(role)}`);
} else if (process.send) {
  const channel = new Channel<EngineMethods, FrontEndMethods>(parentProcessTransport(), 'engine process');
  const engine = serveEngine(channel);
  // The parent is gone (closed the pipe, or died): free the models and leave.
  channel.onClose(() => {
    setTimeout(() => process.exit(0), 2000).unref(); // an analysis that does not stop in time is not waited for
    void engine.close().finally(() => process.exit(0));
  });
}
