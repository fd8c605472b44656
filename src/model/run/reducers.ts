/**
 * Where logits rows get reduced. ONNX Runtime's run() blocks the engine's thread, so reducing
 * inline adds its whole cost to every chunk; a second thread reduces chunk i while ORT computes
 * chunk i + 1, hiding it on any machine with a core to spare. At most two chunks are in flight, so
 * memory stays O(C x V). The rows are copied (not the ORT buffer transferred) before posting.
 */
import { availableParallelism } from 'node:os';
import { reduceJointChunk, type JointChunkMetrics } from '../../core/compare/jointChunk';
import { layerChunkReducer, type LayerChunkReducer } from '../../core/lens/layerReducer';
import type { LayerChunkMetrics } from '../../core/lens/reduceLayers';
import { RowReducer } from '../../core/reduce';
import { reduceChunk, type ChunkMetrics } from '../../core/reduceChunk';
import type { ReducerThreadMethods } from '../../protocol/reducerThread';
import { startThread, type EngineThread } from '../threads/spawn';

export interface ChunkReducer {
  /**
   * Reduces rows x width logits (rows = targets.length) keeping top-k. Resolves once the chunk is
   * accepted (backpressure); `result` resolves with its metrics. The logits may be reused after.
   * `afterNext`: geometry's extras (reduceChunk), per row the id after the target. With `move`, the
   * logits' buffer may be handed over (moved to the thread, not copied): the caller must not touch it after.
   */
  submit(logits: Float32Array, width: number, targets: Int32Array, k: number, afterNext?: Int32Array, move?: boolean): Promise<{ result: Promise<ChunkMetrics> }>;
  /**
   * A comparison's chunk: rows x widthBase logits of the base model and rows x widthOther of the
   * other at the same positions, reduced together (core/compare/jointChunk.ts). Same backpressure.
   */
  submitJoint(base: Float32Array, widthBase: number, other: Float32Array, widthOther: number, targets: Int32Array, k: number): Promise<{ result: Promise<JointChunkMetrics> }>;
  /**
   * The layer lens's chunk: `layers` × targets.length rows of logits, layer-major (reduceLayerChunk).
   * The array is handed over (moved to the thread, not copied): the caller must not touch it after.
   * Resolves once accepted (at most two chunks in flight).
   */
  submitLayers(logits: Float32Array, layers: number, width: number, targets: Int32Array, k: number): Promise<{ result: Promise<LayerChunkMetrics> }>;
  close(): Promise<void>;
}

export class InlineReducer implements ChunkReducer {
  private reducer: RowReducer | undefined;
  private otherReducer: RowReducer | undefined;
  private lensReducer: LayerChunkReducer | undefined;
  async submit(logits: Float32Array, width: number, targets: Int32Array, k: number, afterNext?: Int32Array): Promise<{ result: Promise<ChunkMetrics> }> {
    // Reduced here and now: nothing to move.
    if (this.reducer?.k !== k) this.reducer = new RowReducer(k);
    return { result: Promise.resolve(reduceChunk(this.reducer, logits, width, targets, afterNext)) };
  }
  async submitJoint(base: Float32Array, widthBase: number, other: Float32Array, widthOther: number, targets: Int32Array, k: number): Promise<{ result: Promise<JointChunkMetrics> }> {
    if (this.reducer?.k !== k) this.reducer = new RowReducer(k);
    if (this.otherReducer?.k !== k) this.otherReducer = new RowReducer(k);
    return { result: Promise.resolve(reduceJointChunk(this.reducer, this.otherReducer, base, widthBase, other, widthOther, targets)) };
  }
  async submitLayers(logits: Float32Array, layers: number, width: number, targets: Int32Array, k: number): Promise<{ result: Promise<LayerChunkMetrics> }> {
    if (this.lensReducer?.k !== k) this.lensReducer = layerChunkReducer(k);
    return { result: Promise.resolve(this.lensReducer.reduce(logits, layers, width, targets)) };
  }
  async close(): Promise<void> {}
}

/** Two shared slots: the thread reduces one chunk while the scorer fills the other. */
const SLOTS = 2;

/**
 * Largest ORT logits buffer moved to the thread rather than copied into a slot. A moved buffer
 * lives until the thread's garbage collector frees it, a slot's memory is fixed: measured, moving
 * 25 MB chunks (V = 50,257, bench P3) raised peak RSS by about 30 MB, while moving 4 MB chunks
 * (V = 8,192) saved the copy's time (bench P1 1.13 -> 1.08). A heuristic bound between the two.
 */
const MOVE_LIMIT_BYTES = 8 * 1024 * 1024;

export class ThreadReducer implements ChunkReducer {
  private seq = 0;
  /** Requests whose logits were moved with the message (no slot): at most SLOTS of them in flight. */
  private readonly movedInFlight = new Set<Promise<void>>();
  private readonly slots: Array<{ shared: Float32Array | undefined; busy: Promise<unknown> | undefined; sent: boolean }> = [];

  constructor(private readonly thread: EngineThread<ReducerThreadMethods>) {
    for (let i = 0; i < SLOTS; i++) this.slots.push({ shared: undefined, busy: undefined, sent: false });
  }

  async submit(logits: Float32Array, width: number, targets: Int32Array, k: number, afterNext?: Int32Array, move = false): Promise<{ result: Promise<ChunkMetrics> }> {
    const length = targets.length * width;
    if (move && logits.buffer instanceof ArrayBuffer && logits.buffer.byteLength <= MOVE_LIMIT_BYTES) {
      // ORT's buffer for this run, read by no one after: moving it saves a copy of every chunk (a
      // memcpy of rows × V floats) and the traffic through the shared slot.
      const rows = logits.subarray(0, length);
      return this.sendMoved(() =>
        this.thread.channel.request('reduce', { slot: -1, moved: rows, width, targets, k, ...(afterNext ? { afterNext } : {}) }, { transfer: [rows.buffer as ArrayBuffer] }));
    }
    return this.send(length, shared => shared.set(logits.subarray(0, length)), (slot, shared) =>
      this.thread.channel.request('reduce', { slot, shared, width, targets, k, ...(afterNext ? { afterNext } : {}) }));
  }

  async submitJoint(base: Float32Array, widthBase: number, other: Float32Array, widthOther: number, targets: Int32Array, k: number): Promise<{ result: Promise<JointChunkMetrics> }> {
    const split = targets.length * widthBase;
    const length = split + targets.length * widthOther;
    return this.send(length, shared => {
      shared.set(base.subarray(0, split));
      shared.set(other.subarray(0, length - split), split);
    }, (slot, shared) => this.thread.channel.request('reduceJoint', { slot, shared, widthBase, widthOther, targets, k }));
  }

  /**
   * Waits for a free slot (backpressure: at most SLOTS chunks in flight), copies the rows into its
   * shared memory (a memcpy, so only a small message crosses threads; the buffer itself is sent only
   * when the slot is (re)allocated) and sends the request.
   */
  private async send<R>(length: number, fill: (shared: Float32Array) => void,
    request: (slot: number, shared: Float32Array | undefined) => Promise<R>): Promise<{ result: Promise<R> }> {
    const slotIndex = this.seq++ % SLOTS;
    const slot = this.slots[slotIndex];
    if (slot.busy) await slot.busy;
    const closed = this.thread.channel.closed;
    if (closed) throw closed;
    if (!slot.shared || slot.shared.length < length) {
      slot.shared = new Float32Array(new SharedArrayBuffer(Math.max(length, (slot.shared?.length ?? 0) * 2) * 4));
      slot.sent = false;
    }
    fill(slot.shared);
    const result = request(slotIndex, slot.sent ? undefined : slot.shared);
    slot.sent = true;
    slot.busy = result.catch(() => undefined);
    return { result };
  }

  /**
   * The lens's chunks are large ((L + 1) × rows × V): ORT's output buffer is moved to the thread
   * instead of being copied into a slot (a copy would cost a tenth of the decoder's run).
   */
  async submitLayers(logits: Float32Array, layers: number, width: number, targets: Int32Array, k: number): Promise<{ result: Promise<LayerChunkMetrics> }> {
    const length = layers * targets.length * width;
    const whole = logits.byteOffset === 0 && logits.length === length && logits.buffer instanceof ArrayBuffer;
    const moved = whole ? logits : logits.slice(0, length);
    return this.sendMoved(() =>
      this.thread.channel.request('reduceLayers', { logits: moved, layers, width, targets, k }, { transfer: [moved.buffer as ArrayBuffer] }));
  }

  /** Waits until fewer than SLOTS moved requests are in flight (backpressure), then sends one. */
  private async sendMoved<R>(request: () => Promise<R>): Promise<{ result: Promise<R> }> {
    while (this.movedInFlight.size >= SLOTS) await Promise.race(this.movedInFlight);
    const closed = this.thread.channel.closed;
    if (closed) throw closed;
    const result = request();
    const settled = result.then(() => undefined, () => undefined);
    this.movedInFlight.add(settled);
    void settled.then(() => this.movedInFlight.delete(settled));
    return { result };
  }

  async close(): Promise<void> {
    this.thread.channel.close();
    await this.thread.worker.terminate();
  }
}

/**
 * A reduction thread when a core is free beside ORT's intra-op threads (heuristic: more cores than
 * intra-op threads), else inline. The thread runs the engine script in its 'reducer' role.
 */
export function createChunkReducer(intraOpThreads: number): ChunkReducer {
  if (availableParallelism() <= intraOpThreads) return new InlineReducer();
  try {
    return new ThreadReducer(startThread<ReducerThreadMethods>('reducer', 'reduction thread'));
  } catch {
    return new InlineReducer();
  }
}
