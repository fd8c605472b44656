/**
 * The one channel of every boundary (src/protocol/channel.ts), over a real MessageChannel: replies,
 * streamed events, notifications, cancellation from an AbortSignal, timeouts, errors that keep their
 * kind, transfers, and a close that fails what is open.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MessageChannel } from 'node:worker_threads';
import { EngineStoppedError, InputError, isEngineStopped, isInputError } from '../../../src/core/errors';
import { Channel, TimeoutError, withTransfer } from '../../../src/protocol/channel';
import { portTransport } from '../../../src/model/ipc/transports';

interface ServerMethods {
  [method: string]: { params: unknown; result: unknown; event?: unknown };
  add: { params: { a: number; b: number }; result: number };
  count: { params: { to: number }; result: string; event: number };
  wait: { params: { ms: number }; result: string };
  fail: { params: { kind: 'input' | 'stopped' | 'plain' }; result: never };
  buffer: { params: { n: number }; result: Float64Array };
  note: { params: { text: string }; result: void };
  notes: { params: Record<string, never>; result: string[] };
}
type None = Record<string, never>;

function pair() {
  const ports = new MessageChannel();
  const server = new Channel<ServerMethods, None>(portTransport(ports.port2, 'client'), 'server');
  const client = new Channel<None, ServerMethods>(portTransport(ports.port1, 'server'), 'client');
  const notes: string[] = [];
  let cancelled = 0;
  server
    .handle('add', ({ a, b }) => a + b)
    .handle('count', async ({ to }, { emit }) => {
      for (let i = 1; i <= to; i++) emit(i);
      return 'counted';
    })
    .handle('wait', ({ ms }, { signal }) => new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => resolve('waited'), ms);
      signal.addEventListener('abort', () => { clearTimeout(timer); cancelled++; reject(new InputError('stopped on request', 'cancelled')); });
    }))
    .handle('fail', ({ kind }) => {
      if (kind === 'input') throw new InputError('/x/config.json: not valid JSON', 'model-config', '/x/config.json');
      if (kind === 'stopped') throw new EngineStoppedError('the reduction thread exited (code 1)', 1, null);
      throw new TypeError('a bug');
    })
    .handle('buffer', ({ n }) => {
      const values = Float64Array.from({ length: n }, (_, i) => i / 2);
      return withTransfer(values, [values.buffer as ArrayBuffer]);
    })
    .handle('note', ({ text }) => { notes.push(text); })
    .handle('notes', () => [...notes]);
  return { server, client, ports, cancelledCount: () => cancelled };
}

test('a request gets its reply; events arrive before it, in order', async () => {
  const { client, server } = pair();
  try {
    assert.equal(await client.request('add', { a: 2, b: 3 }), 5);
    const seen: number[] = [];
    assert.equal(await client.request('count', { to: 4 }, { onEvent: e => seen.push(e) }), 'counted');
    assert.deepEqual(seen, [1, 2, 3, 4]);
    const [x, y] = await Promise.all([client.request('add', { a: 1, b: 1 }), client.request('add', { a: 10, b: 20 })]);
    assert.deepEqual([x, y], [2, 30], 'replies go to their own requests');
  } finally {
    client.close();
    server.close();
  }
});

test('notifications are delivered in order and get no reply', async () => {
  const { client, server } = pair();
  try {
    client.notify('note', { text: 'a' });
    client.notify('note', { text: 'b' });
    assert.deepEqual(await client.request('notes', {}), ['a', 'b']);
  } finally {
    client.close();
    server.close();
  }
});

test('errors keep their kind across the boundary: InputError with code and subject, EngineStoppedError with exit code', async () => {
  const { client, server } = pair();
  try {
    await assert.rejects(client.request('fail', { kind: 'input' }), (e: unknown) =>
      isInputError(e) && e.code === 'model-config' && e.subject === '/x/config.json' && e.message === '/x/config.json: not valid JSON');
    await assert.rejects(client.request('fail', { kind: 'stopped' }), (e: unknown) => isEngineStopped(e) && e.exitCode === 1 && e.signal === null);
    await assert.rejects(client.request('fail', { kind: 'plain' }), (e: unknown) =>
      e instanceof Error && e.name === 'TypeError' && e.message === 'a bug' && /handle\('fail'|channel\.test/.test(e.stack ?? ''));
    await assert.rejects(client.request('nothing' as 'add', { a: 1, b: 1 }), /server: no handler for 'nothing'/);
  } finally {
    client.close();
    server.close();
  }
});

test('an AbortSignal cancels the remote work; the handler sees it and its error comes back', async () => {
  const { client, server, cancelledCount } = pair();
  try {
    const controller = new AbortController();
    const run = client.request('wait', { ms: 10_000 }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(run, (e: unknown) => isInputError(e) && e.code === 'cancelled');
    assert.equal(cancelledCount(), 1);
    await assert.rejects(client.request('add', { a: 1, b: 2 }, { signal: AbortSignal.abort() }), 'an aborted signal sends nothing');
    assert.equal(await client.request('add', { a: 1, b: 2 }), 3, 'the channel still works');
  } finally {
    client.close();
    server.close();
  }
});

test('a timeout rejects with a TimeoutError naming the method and cancels the remote work', async () => {
  const { client, server, cancelledCount } = pair();
  try {
    await assert.rejects(client.request('wait', { ms: 10_000 }, { timeoutMs: 30 }), (e: unknown) =>
      e instanceof TimeoutError && /client: wait took longer than 30 ms/.test(e.message));
    await new Promise(resolve => setTimeout(resolve, 30));
    assert.equal(cancelledCount(), 1);
    assert.equal(await client.request('wait', { ms: 1 }, { timeoutMs: 5_000 }), 'waited');
  } finally {
    client.close();
    server.close();
  }
});

test('a transferred result arrives whole; the sender no longer holds the buffer', async () => {
  const { client, server } = pair();
  try {
    const values = await client.request('buffer', { n: 1000 });
    assert.ok(values instanceof Float64Array);
    assert.equal(values.length, 1000);
    assert.equal(values[999], 499.5);
  } finally {
    client.close();
    server.close();
  }
});

test('closing fails what is open, and everything after, with the reason', async () => {
  const { client, server } = pair();
  const pending = client.request('wait', { ms: 10_000 });
  await new Promise(resolve => setTimeout(resolve, 10));
  const reason = new EngineStoppedError('the engine process stopped (signal SIGKILL)', null, 'SIGKILL');
  client.close(reason);
  await assert.rejects(pending, (e: unknown) => e === reason);
  await assert.rejects(client.request('add', { a: 1, b: 1 }), (e: unknown) => e === reason);
  assert.equal(client.closed, reason);
  server.close();
});

test('the other side going away fails open requests with an EngineStoppedError', async () => {
  const { client, server, ports } = pair();
  const pending = client.request('wait', { ms: 10_000 });
  const closed = new Promise<Error>(resolve => client.onClose(resolve));
  ports.port2.close();
  await assert.rejects(pending, (e: unknown) => isEngineStopped(e) && /the server closed/.test((e as Error).message));
  assert.ok(isEngineStopped(await closed));
  server.close();
});
