/**
 * Lookups over a scanned top-level graph that the structural walks share: who produces a tensor,
 * which tensors are constants (initializers and Constant-node outputs), a node's computed inputs,
 * and whether one tensor is upstream of another. Node names are never consulted.
 */
import type { GraphScan, NodeInfo } from './scan';

export class GraphIndex {
  /** Producer of every node output. */
  readonly producer = new Map<string, NodeInfo>();
  /** Position of each node in the graph's node list (topological in a valid graph). */
  readonly position = new Map<NodeInfo, number>();
  /** Initializers and Constant-node outputs. */
  readonly constants: Set<string>;

  constructor(readonly scan: GraphScan) {
    scan.nodes.forEach((n, i) => {
      this.position.set(n, i);
      for (const o of n.outputs) if (o) this.producer.set(o, n);
    });
    this.constants = new Set(scan.initializers.keys());
    for (const n of scan.nodes) if (n.opType === 'Constant') for (const o of n.outputs) this.constants.add(o);
  }

  /** Inputs of `node` that are computed (not empty, not an initializer, not a Constant's output). */
  computed(node: NodeInfo): string[] {
    return node.inputs.filter(name => name !== '' && !this.constants.has(name));
  }

  /**
   * Whether `ancestor` is upstream of `tensor` (itself excluded): a depth-first walk over producers
   * from `tensor`, each tensor visited once, so at most the graph's size per question.
   */
  isAncestor(ancestor: string, tensor: string): boolean {
    const seen = new Set<string>([tensor]);
    const stack = [tensor];
    while (stack.length) {
      const node = this.producer.get(stack.pop()!);
      if (!node) continue;
      for (const input of node.inputs) {
        if (!input || seen.has(input)) continue;
        if (input === ancestor) return true;
        seen.add(input);
        stack.push(input);
      }
    }
    return false;
  }

  /** "Op name" of the node producing `tensor`, or "graph input NAME", for messages. */
  describe(tensor: string): string {
    const node = this.producer.get(tensor);
    if (node) return `${node.opType} ${node.name || node.outputs[0]}`;
    return this.scan.initializers.has(tensor) ? `initializer ${tensor}` : `graph input ${tensor}`;
  }
}
