/**
 * The real inference worker plus a crash switch for fault tests: on `{ type: 'test/crash' }` it
 * throws an uncaught error from the event loop, as a bug in the worker would. The throw lands
 * between two windows (the worker only sees messages between JS tasks), never inside a native
 * session.run: terminating a worker during session.run aborts the whole process (onnxruntime-node
 * raises a N-API error in a terminating environment), so a thread cannot be killed safely mid-run.
 */
import { parentPort } from 'node:worker_threads';
// The real worker registers its own handler on the same port (it ignores the unknown type).
import '../../../src/model/worker';

parentPort?.on('message', (message: { type?: string }) => {
  if (message?.type === 'test/crash') {
    setImmediate(() => {
      throw new Error('simulated crash of the inference worker');
    });
  }
});
