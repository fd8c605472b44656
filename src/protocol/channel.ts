/**
 * The one message channel of every boundary (extension host <-> engine process, engine <-> its
 * threads): typed requests with ids, events streamed back to a request, notifications without a
 * reply, cancellation from an AbortSignal, timeouts, errors that keep their kind across the boundary
 * (InputError with its code, EngineStoppedError with exit code and signal), and an orderly close
 * that fails whatever is still open. The transport (a worker port, a child process's IPC pipe, an
 * in-process MessageChannel) is plugged in; this file knows nothing of Node.
 *
 * Written by hand: JSON-RPC libraries (vscode-jsonrpc) serialise to JSON, which would turn every
 * typed array of a record batch into an object of numbered keys; structured clone keeps them.
 */
import { EngineStoppedError, errorFromWire, errorToWire, type WireError } from '../core/errors';

/** Each method: what the caller sends, what the handler answers, and the events it may stream. */
export interface MethodSpec {
  params: unknown;
  result: unknown;
  event?: unknown;
}
export type MethodMap = { [method: string]: MethodSpec };

export type WireMessage =
  | { k: 'req'; id: number; m: string; p: unknown }
  | { k: 'note'; m: string; p: unknown }
  | { k: 'evt'; id: number; e: unknown }
  | { k: 'res'; id: number; r: unknown }
  | { k: 'err'; id: number; e: WireError }
  | { k: 'cancel'; id: number };

/** How messages move. `transfer` lists buffers to move rather than copy, where the transport can. */
export interface Transport {
  send(message: WireMessage, transfer?: readonly ArrayBuffer[]): void;
  /** `onClose` fires once, with why the other side is gone (exit code, signal, error). */
  listen(onMessage: (message: WireMessage) => void, onClose: (reason: Error) => void): void;
  close(): void;
}

export interface RequestOptions<E> {
  signal?: AbortSignal;
  /** Rejects with a TimeoutError (and cancels the remote work) after this long. */
  timeoutMs?: number;
  onEvent?(event: E): void;
  transfer?: readonly ArrayBuffer[];
}

export interface HandlerContext<E> {
  /** Aborted when the caller cancels (or the channel closes). */
  signal: AbortSignal;
  emit(event: E, transfer?: readonly ArrayBuffer[]): void;
}

type EventOf<S extends MethodSpec> = S extends { event: infer E } ? E : never;
export type Handler<S extends MethodSpec> = (params: S['params'], context: HandlerContext<EventOf<S>>) => S['result'] | Promise<S['result']>;

const transfers = new WeakMap<object, readonly ArrayBuffer[]>();

/** Marks a handler's result (an object) to be sent with these buffers moved, not copied. */
export function withTransfer<T extends object>(value: T, transfer: readonly ArrayBuffer[]): T {
  transfers.set(value, transfer);
  return value;
}

interface Pending {
  onEvent?(event: unknown): void;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export class TimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TimeoutError';
  }
}

export class Channel<Local extends MethodMap, Remote extends MethodMap> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly handlers = new Map<string, Handler<MethodSpec>>();
  private readonly running = new Map<number, AbortController>();
  private readonly closeListeners: Array<(reason: Error) => void> = [];
  private closedReason: Error | undefined;

  /** `name` says in errors which side this is ("engine process", "reduction thread"). */
  constructor(private readonly transport: Transport, readonly name: string, private readonly onHandlerError?: (method: string, error: unknown) => void) {
    transport.listen(m => this.receive(m), reason => this.shut(reason));
  }

  /** Why the channel is closed, or undefined while it is open. */
  get closed(): Error | undefined {
    return this.closedReason;
  }

  onClose(listener: (reason: Error) => void): void {
    if (this.closedReason) listener(this.closedReason);
    else this.closeListeners.push(listener);
  }

  handle<K extends keyof Local & string>(method: K, handler: Handler<Local[K]>): this {
    this.handlers.set(method, handler as unknown as Handler<MethodSpec>);
    return this;
  }

  request<K extends keyof Remote & string>(method: K, params: Remote[K]['params'], options: RequestOptions<EventOf<Remote[K]>> = {}): Promise<Remote[K]['result']> {
    if (this.closedReason) return Promise.reject(this.closedReason);
    const { signal, timeoutMs, onEvent, transfer } = options;
    if (signal?.aborted) return Promise.reject(signal.reason instanceof Error ? signal.reason : new Error('cancelled'));
    const id = this.nextId++;
    return new Promise<Remote[K]['result']>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = (): void => this.sendQuietly({ k: 'cancel', id });
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.pending.delete(id);
      };
      this.pending.set(id, {
        onEvent: onEvent as ((e: unknown) => void) | undefined,
        resolve: value => { done(); resolve(value as Remote[K]['result']); },
        reject: error => { done(); reject(error); },
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.pending.get(id)?.reject(new TimeoutError(`${this.name}: ${method} took longer than ${timeoutMs} ms`));
          this.sendQuietly({ k: 'cancel', id });
        }, timeoutMs);
        timer.unref?.();
      }
      try {
        this.transport.send({ k: 'req', id, m: method, p: params }, transfer);
      } catch (e) {
        this.pending.get(id)?.reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  /** A message without a reply (the other side's handler result is dropped). */
  notify<K extends keyof Remote & string>(method: K, params: Remote[K]['params'], transfer?: readonly ArrayBuffer[]): void {
    if (this.closedReason) return;
    this.transport.send({ k: 'note', m: method, p: params }, transfer);
  }

  /** Closes the transport; open requests fail with `reason`. */
  close(reason: Error = new EngineStoppedError(`${this.name}: closed`, null, null)): void {
    if (this.closedReason) return;
    this.shut(reason);
    this.transport.close();
  }

  private receive(message: WireMessage): void {
    switch (message.k) {
      case 'req':
      case 'note':
        this.dispatch(message);
        return;
      case 'evt':
        this.pending.get(message.id)?.onEvent?.(message.e);
        return;
      case 'res':
        this.pending.get(message.id)?.resolve(message.r);
        return;
      case 'err':
        this.pending.get(message.id)?.reject(errorFromWire(message.e));
        return;
      case 'cancel':
        this.running.get(message.id)?.abort();
        return;
    }
  }

  private dispatch(message: Extract<WireMessage, { k: 'req' | 'note' }>): void {
    const handler = this.handlers.get(message.m);
    const id = message.k === 'req' ? message.id : undefined;
    const controller = new AbortController();
    if (id !== undefined) this.running.set(id, controller);
    const context: HandlerContext<unknown> = {
      signal: controller.signal,
      emit: (event, transfer) => {
        if (id !== undefined) this.sendQuietly({ k: 'evt', id, e: event }, transfer);
      },
    };
    const finish = (reply: WireMessage | undefined, transfer?: readonly ArrayBuffer[]): void => {
      if (id === undefined) return;
      this.running.delete(id);
      if (reply) this.sendQuietly(reply, transfer);
    };
    const fail = (e: unknown): void => {
      if (id === undefined) this.onHandlerError?.(message.m, e);
      finish(id === undefined ? undefined : { k: 'err', id, e: errorToWire(e) });
    };
    if (!handler) {
      fail(new Error(`${this.name}: no handler for '${message.m}'`));
      return;
    }
    try {
      const result = handler(message.p, context as HandlerContext<never>);
      if (result instanceof Promise) {
        result.then(value => finish(id === undefined ? undefined : { k: 'res', id, r: value }, transferOf(value)), fail);
      } else {
        finish(id === undefined ? undefined : { k: 'res', id, r: result }, transferOf(result));
      }
    } catch (e) {
      fail(e);
    }
  }

  /** A reply to a side that has gone is dropped: its requests were failed by its own close. */
  private sendQuietly(message: WireMessage, transfer?: readonly ArrayBuffer[]): void {
    if (this.closedReason) return;
    try {
      this.transport.send(message, transfer);
    } catch (e) {
      this.onHandlerError?.('send', e);
    }
  }

  private shut(reason: Error): void {
    if (this.closedReason) return;
    this.closedReason = reason;
    for (const p of [...this.pending.values()]) p.reject(reason);
    this.pending.clear();
    for (const c of this.running.values()) c.abort();
    this.running.clear();
    for (const l of this.closeListeners.splice(0)) l(reason);
  }
}

function transferOf(value: unknown): readonly ArrayBuffer[] | undefined {
  return typeof value === 'object' && value !== null ? transfers.get(value) : undefined;
}
