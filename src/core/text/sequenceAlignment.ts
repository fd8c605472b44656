/**
 * Aligns two sequences that are equal except in a few places (a normalizer this code does not
 * model, an unknown-token placeholder, a dummy prefix in an unexpected place).
 *
 * The result maps every position of `a` (0..a.length) to a position of `b`, monotone, with
 * map[0] = 0 and map[a.length] = b.length. Where the two agree the map is exact; a differing
 * stretch of `a` is spread proportionally over the matching differing stretch of `b`. This is a
 * heuristic (a greedy diff that resynchronises on the nearest common run), used only where exact
 * mapping is impossible; it is linear in the input when the differences are small and local.
 */
export function alignSequences(a: ArrayLike<number>, b: ArrayLike<number>): Uint32Array {
  const map = new Uint32Array(a.length + 1);
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      map[i++] = j++;
      continue;
    }
    const sync = findResync(a, b, i, j);
    if (sync === null) break;
    spread(map, i, i + sync.skipA, j, j + sync.skipB);
    i += sync.skipA;
    j += sync.skipB;
  }
  spread(map, i, a.length, j, b.length);
  map[a.length] = b.length;
  return map;
}

/** Maps a[from..to) proportionally onto b[bFrom..bTo). */
function spread(map: Uint32Array, from: number, to: number, bFrom: number, bTo: number): void {
  const n = to - from;
  for (let k = 0; k < n; k++) map[from + k] = bFrom + Math.floor((k * (bTo - bFrom)) / n);
}

/** Run length that counts as resynchronised (shorter at the very end of either sequence). */
const SYNC_RUN = 4;
/** Search radii tried in turn: cheap local repairs first, then wider ones. */
const RADII = [16, 256, 4096];

/** The smallest skip (skipA + skipB) after which a and b agree again for a full run. */
function findResync(a: ArrayLike<number>, b: ArrayLike<number>, i: number, j: number): { skipA: number; skipB: number } | null {
  for (const radius of RADII) {
    for (let d = 1; d <= 2 * radius; d++) {
      for (let skipA = Math.max(0, d - radius); skipA <= Math.min(d, radius); skipA++) {
        const skipB = d - skipA;
        if (runMatches(a, b, i + skipA, j + skipB)) return { skipA, skipB };
      }
    }
  }
  return null;
}

function runMatches(a: ArrayLike<number>, b: ArrayLike<number>, i: number, j: number): boolean {
  if (i > a.length || j > b.length) return false;
  const run = Math.min(SYNC_RUN, a.length - i, b.length - j);
  // At the end of either sequence only a simultaneous end counts as a match.
  if (run < SYNC_RUN && (a.length - i !== b.length - j)) return false;
  for (let k = 0; k < run; k++) if (a[i + k] !== b[j + k]) return false;
  return true;
}
