/**
 * The geometry thread's loop. During inference it builds the prototype rows from each batch of
 * records (core/geometry/prototypeRows.ts) and sums the hidden states' Gram; afterwards it runs the
 * tasks the engine hands over (the hidden-state PCA, part of the shift nulls; core/geometry/steps.ts)
 * and keeps each basis it makes for the shiftScores tasks that refer to it, until the engine releases
 * them. Its matrix products are ONNX Runtime's (its own OrtProducts, on this thread); the work that
 * has products runs one piece at a time, in the order the messages came.
 */
import type { MessagePort } from 'node:worker_threads';
import type { HiddenBasis } from '../../core/geometry/hiddenBasis';
import { HiddenGram, type HiddenGramResult } from '../../core/geometry/hiddenGram';
import { runLinalgAsync } from '../../core/geometry/products';
import { PrototypeRows } from '../../core/geometry/prototypeRows';
import { runTask } from '../../core/geometry/steps';
import { Channel, withTransfer } from '../../protocol/channel';
import type { GeometryThreadMethods } from '../../protocol/geometryThread';
import { portTransport } from '../ipc/transports';
import { OrtProducts, productThreads } from './ortProducts';

export function serveGeometryTasks(port: MessagePort): void {
  const bases = new Map<number, HiddenBasis>();
  const products = new OrtProducts(productThreads());
  let weight: Float32Array | undefined;
  let rows: PrototypeRows | undefined;
  /** A batch that could not be added fails the take that follows (never silently wrong rows). */
  let rowsError: string | undefined;
  /** The hidden states (shared with the engine) and their Gram so far (or why it could not be summed). */
  let hidden: { rows: Float32Array; d: number; gram: HiddenGram; error?: string } | undefined;
  const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));
  /** Work with products, one piece at a time in arrival order (a task may need the Gram the adds before it build). */
  let queue: Promise<unknown> = Promise.resolve();
  const inOrder = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work);
    queue = next.catch(() => undefined);
    return next;
  };

  new Channel<GeometryThreadMethods, Record<string, never>>(portTransport(port, 'engine'), 'geometry thread')
    .handle('release', () => {
      bases.clear();
      rows = undefined;
      hidden = undefined;
    })
    .handle('hiddenBegin', m => {
      const error = m.rows.length < m.tokens * m.d ? `${m.rows.length} hidden values for ${m.tokens}×${m.d}` : undefined;
      hidden = { rows: m.rows, d: m.d, gram: new HiddenGram(m.d, m.tokens), error };
    })
    .handle('hiddenAdd', m => {
      const h = hidden;
      if (!h || h.error) return;
      void inOrder(async () => {
        if (h.error) return;
        try {
          await runLinalgAsync(h.gram.add(h.rows.subarray(m.firstIndex * h.d, (m.firstIndex + m.count) * h.d), m.firstIndex, m.count), products);
        } catch (e) {
          h.error = errorText(e);
        }
      });
    })
    .handle('prototypesBegin', m => {
      weight = m.weight ?? weight;
      rowsError = undefined;
      rows = undefined;
      try {
        if (!weight) throw new Error('no head weight was sent');
        rows = new PrototypeRows(weight, m.d, m.vocab, m.tokens);
      } catch (e) {
        rowsError = errorText(e);
      }
    })
    .handle('prototypesAdd', m => {
      if (!rows || rowsError) return;
      try {
        rows.add(m.batch);
      } catch (e) {
        rowsError = errorText(e);
      }
    })
    .handle('prototypesTake', () => {
      const taken = rows;
      rows = undefined;
      if (!taken || rowsError) throw new Error(`prototype rows: ${rowsError ?? 'none were begun'}`);
      return withTransfer({ data: taken.data, trace: taken.trace }, [taken.data.buffer as ArrayBuffer, taken.trace.buffer as ArrayBuffer]);
    })
    .handle('task', m => {
      const h = m.streamedHidden ? hidden : undefined;
      return inOrder(async () => {
        let task = m.task;
        let gram: HiddenGramResult | undefined;
        if (m.streamedHidden && task.kind === 'hiddenBasis') {
          if (!h || h.error) throw new Error(`geometry thread: no streamed hidden states (${h?.error ?? 'none were begun'})`);
          task = { ...task, hidden: { data: h.rows, d: h.d } };
          gram = await runLinalgAsync(h.gram.finish(), products);
        }
        const result = await runLinalgAsync(runTask(task, handle => {
          const basis = bases.get(handle.id);
          if (!basis) throw new Error(`geometry thread: no hidden basis ${handle.id}`);
          return basis;
        }, gram), products);
        // The engine gets the basis's large arrays in shared memory (no copy in the message); this
        // thread keeps its own for the nulls (ONNX Runtime would copy shared operands every product).
        if (m.task.kind !== 'hiddenBasis') return result;
        bases.set(m.taskId, result as HiddenBasis);
        return sharedBasis(result as HiddenBasis);
      });
    });
}

function sharedBasis(basis: HiddenBasis): HiddenBasis {
  const shared = (a: Float64Array) => {
    const copy = new Float64Array(new SharedArrayBuffer(a.byteLength));
    copy.set(a);
    return copy;
  };
  return { ...basis, q: shared(basis.q), centred: shared(basis.centred) };
}
