/**
 * Deterministic shards of a corpus: a file belongs to shard `FNV-1a-32(UTF-8 bytes of its path) mod N`,
 * where the path is relative to the scanned root with '/' separators. The same on every machine and
 * in every language, so N shards run anywhere are disjoint and together are the whole.
 */
import { InputError } from '../errors';

export interface Shard {
  /** 0-based. */
  index: number;
  count: number;
}

/** `I/N` with 0 <= I < N (Slurm's SLURM_ARRAY_TASK_ID and Kubernetes' JOB_COMPLETION_INDEX are 0-based). */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new InputError(`--shard: expected I/N (e.g. 0/4), got "${text}"`, 'settings-invalid');
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > 1_000_000) throw new InputError(`--shard: N must be 1 to 1000000, got ${count}`, 'settings-invalid');
  if (index >= count) throw new InputError(`--shard: I must be 0 to ${count - 1} for N = ${count} (I counts from 0), got ${index}`, 'settings-invalid');
  return { index, count };
}

/** FNV-1a, 32 bits, over the UTF-8 bytes of `text`. */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function shardOf(path: string, count: number): number {
  return fnv1a32(path) % count;
}

export function inShard(path: string, shard: Shard | undefined): boolean {
  return !shard || shardOf(path, shard.count) === shard.index;
}
