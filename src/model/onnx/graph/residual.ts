/**
 * Finds the residual stream of an ordinary causal-LM export by walking its graph (issue 17; the
 * same walk as tools/lens_chain.py, whose output test/fixtures/reference/lens/chains.json holds):
 *
 * 1. The final norm's input: breadth-first upward from the LM head's input over computed inputs,
 *    the first Add whose two inputs are both computed is the last residual Add; its output r_L is
 *    what the final norm reads.
 * 2. The chain: at a residual Add with computed inputs a and b, the residual is the input that is
 *    an ancestor of the other (the block reads the stream through its norm; the stream never reads
 *    the block's output), the other is the block's output. Continue from the residual until
 *      - an Add whose inputs do not depend on each other: the embedding sum when both come from
 *        Gathers of initializers (GPT-2: token + position embeddings), else the chain is ambiguous;
 *      - a Gather of an initializer (through Unsqueeze / DequantizeLinear / Cast): the embedding;
 *      - anything else: the chain is missing.
 * 3. Blocks: L blocks give 2L Adds (attention and MLP, pre-norm) or L (a parallel block); layer
 *    l (1..L) is the stream after block l, layer 0 the embedding output.
 *
 * Node names are never relied on; they appear only in messages.
 */
import { GraphIndex } from './graphIndex';
import type { HeadInfo } from './head';
import type { GraphScan, NodeInfo } from './scan';

export interface ResidualAdd {
  node: string;
  output: string;
  residual: string;
  branch: string;
}

export interface ResidualStream {
  /** Tensors of layers 0..L: the embedding output, then the stream after each block. */
  layers: string[];
  /** The final norm's input r_L (= layers[L]). */
  finalNormInput: string;
  embedding: { kind: 'embedding' | 'embedding-sum'; tensor: string };
  /** Residual Adds per block: 2 (attention, then MLP) or 1 (a parallel block). */
  addsPerBlock: 1 | 2;
  /** The residual Adds from the embedding up. */
  adds: ResidualAdd[];
}

export type ResidualResult = { ok: true; stream: ResidualStream } | { ok: false; reason: string };

const EMBEDDING_PASS = new Set(['Unsqueeze', 'DequantizeLinear', 'Cast']);

/** `numLayers`: the model's block count (config.json, or its cache inputs), checked against the Adds found. */
export function findResidualStream(scan: GraphScan, head: HeadInfo, numLayers?: number): ResidualResult {
  if (!head.hidden) return { ok: false, reason: head.issues[0]?.message ?? 'no LM head was found' };
  const g = new GraphIndex(scan);
  const finalNormInput = findFinalNormInput(g, head.hidden);
  if (!finalNormInput) return { ok: false, reason: `no residual Add above the LM head's input '${head.hidden}'` };
  const adds: ResidualAdd[] = [];
  let tensor = finalNormInput;
  for (let guard = 0; guard <= scan.nodes.length; guard++) {
    const node = g.producer.get(tensor);
    if (node && isResidualCandidate(g, node)) {
      const [a, b] = g.computed(node);
      const aFirst = g.isAncestor(a, b);
      const bFirst = g.isAncestor(b, a);
      if (aFirst !== bFirst) {
        const [residual, branch] = aFirst ? [a, b] : [b, a];
        adds.push({ node: node.name, output: tensor, residual, branch });
        tensor = residual;
        continue;
      }
      if (embeddingGather(g, a) && embeddingGather(g, b)) return accept(adds, { kind: 'embedding-sum', tensor }, finalNormInput, numLayers);
      return { ok: false, reason: `the residual stream is ambiguous at Add ${node.name || tensor}: neither of its inputs (${g.describe(a)}, ${g.describe(b)}) is an ancestor of the other, and they are not embedding lookups` };
    }
    if (embeddingGather(g, tensor)) return accept(adds, { kind: 'embedding', tensor }, finalNormInput, numLayers);
    return { ok: false, reason: `the residual stream is missing below ${g.describe(tensor)} ('${tensor}'): it is produced by neither a residual Add nor an embedding lookup` };
  }
  return { ok: false, reason: 'the residual chain does not end (the graph has a cycle)' };
}

function accept(found: ResidualAdd[], embedding: ResidualStream['embedding'], finalNormInput: string, numLayers?: number): ResidualResult {
  const adds = [...found].reverse();
  const count = adds.length;
  if (count === 0) return { ok: false, reason: 'no residual Add between the embedding and the final norm' };
  let perBlock: 1 | 2;
  if (numLayers === undefined) {
    return { ok: false, reason: `found ${count} residual Adds, but config.json names no layer count to tell the blocks apart` };
  } else if (count === 2 * numLayers) {
    perBlock = 2;
  } else if (count === numLayers) {
    perBlock = 1;
  } else {
    return { ok: false, reason: `found ${count} residual Adds between the embedding and the final norm for ${numLayers} layers (expected ${2 * numLayers}, or ${numLayers} for parallel blocks)` };
  }
  const layers = [embedding.tensor];
  for (let i = perBlock - 1; i < count; i += perBlock) layers.push(adds[i].output);
  return { ok: true, stream: { layers, finalNormInput, embedding, addsPerBlock: perBlock, adds } };
}

function isResidualCandidate(g: GraphIndex, node: NodeInfo): boolean {
  return node.opType === 'Add' && g.computed(node).length === 2;
}

/** Breadth-first upward from the head's input; the first Add of two computed tensors (not the input itself). */
function findFinalNormInput(g: GraphIndex, hidden: string): string | null {
  const queue = [hidden];
  const seen = new Set(queue);
  for (let i = 0; i < queue.length; i++) {
    const tensor = queue[i];
    const node = g.producer.get(tensor);
    if (!node) continue;
    if (tensor !== hidden && isResidualCandidate(g, node)) return tensor;
    for (const input of g.computed(node)) {
      if (seen.has(input)) continue;
      seen.add(input);
      queue.push(input);
    }
  }
  return null;
}

/** Whether `tensor` is a lookup in an embedding table (a Gather of an initializer, maybe dequantized, cast or unsqueezed). */
function embeddingGather(g: GraphIndex, tensor: string): boolean {
  let node = g.producer.get(tensor);
  for (let guard = 0; node && EMBEDDING_PASS.has(node.opType) && guard < 8; guard++) node = g.producer.get(node.inputs[0] ?? '');
  return node?.opType === 'Gather' && g.scan.initializers.has(node.inputs[0] ?? '');
}
