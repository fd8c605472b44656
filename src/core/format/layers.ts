/**
 * The layer lens in the CLI's JSON and CSV (issue 17). JSON: the analysis gains
 * `"layers": { "count", "labels", "nll", "entropy", "rank", "top1", "klToFinal", "depth", ... }`,
 * each matrix [layer][token] in the order of `tokens` (null where a layer's logits were not finite),
 * or `{ "off": true, "reason" }`. CSV: one row per token and layer, token-major.
 */
import type { TokenRecord } from '../analysis';
import { isLensOff, type LayerLens, type LayerLensOutcome } from '../lens/types';
import { csvField } from './csv';

type Matrix = Array<Array<number | null>>;

function matrix(lens: LayerLens, values: Float64Array | Int32Array, missing: number | null): Matrix {
  const out: Matrix = [];
  for (let l = 0; l < lens.count; l++) {
    const row: Array<number | null> = [];
    for (let t = 0; t < lens.tokens; t++) {
      const v = values[l * lens.tokens + t];
      row.push(Number.isNaN(v) || v === missing ? null : v);
    }
    out.push(row);
  }
  return out;
}

/** The `layers` block of the analysis JSON. */
export function layersBlock(outcome: LayerLensOutcome): Record<string, unknown> {
  if (isLensOff(outcome)) return { off: true, reason: outcome.reason };
  const lens = outcome;
  return {
    count: lens.count,
    labels: lens.labels,
    ...(lens.from !== 0 ? { from: lens.from } : {}),
    nll: matrix(lens, lens.nll, null),
    entropy: matrix(lens, lens.entropy, null),
    rank: matrix(lens, lens.rank, -1),
    top1: matrix(lens, lens.top1, -1),
    klToFinal: matrix(lens, lens.klToFinal, null),
    depth: Array.from(lens.depth, d => (d < 0 ? null : d)),
    finalCheck: lens.finalCheck ?? null,
    ...(lens.alignment !== undefined ? { alignment: lens.alignment } : {}),
    ...(lens.alignmentOff ? { alignmentOff: lens.alignmentOff } : {}),
    definitions: {
      layers: 'layer 0 = the residual stream after the embedding, layer l = after block l; each decoded with the model\'s own final norm and LM head (logit lens), so the last layer is the model\'s own distribution',
      klToFinal: 'KL(P_layer || P_final), nats',
      depth: 'the first layer from which the top-1 prediction equals the final top-1 at every later layer',
      finalCheck: 'largest |decoded last layer - the model\'s logits| on the first rows decoded',
    },
  };
}

const COLUMNS = ['index', 'id', 'text', 'start', 'end', 'layer', 'label', 'nll', 'entropy', 'rank', 'top1', 'top1_text', 'kl_to_final', 'depth'];

function num(v: number): string {
  return Number.isFinite(v) ? String(v) : '';
}

/** One row per token and layer (token-major); `topText` gives each top-1 id's text. */
export function formatLayersCsv(tokens: readonly TokenRecord[], lens: LayerLens, topText: (id: number) => string): string {
  const lines = [COLUMNS.join(',')];
  for (let t = 0; t < lens.tokens; t++) {
    const token = tokens[lens.from + t];
    for (let l = 0; l < lens.count; l++) {
      const cell = l * lens.tokens + t;
      const top1 = lens.top1[cell];
      const depth = lens.depth[t];
      lines.push([
        String(token.index), String(token.id), csvField(token.text), String(token.start), String(token.end),
        String(l), lens.labels[l],
        num(lens.nll[cell]), num(lens.entropy[cell]), lens.rank[cell] < 0 ? '' : String(lens.rank[cell]),
        top1 < 0 ? '' : String(top1), top1 < 0 ? '' : csvField(topText(top1)), num(lens.klToFinal[cell]),
        depth < 0 ? '' : String(depth),
      ].join(','));
    }
  }
  return lines.join('\r\n') + '\r\n';
}
