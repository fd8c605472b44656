#!/usr/bin/python3
"""Finds the residual stream of an exported causal LM by walking its ONNX graph, the way the layer
lens (issue 17) has to, and prints what it found: a reference for the TypeScript walk.

Walk (structural; node names are only reported, never relied on):
1. Head: from the producer of the `logits` output, skip Cast / Identity / Reshape, then take the
   head node (MatMul, Gemm, MatMulNBits, MatMulBnb4, or the q8 pattern Mul <- Cast <-
   MatMulInteger <- DynamicQuantizeLinear). Its data input is the final hidden state h.
2. Final norm: breadth-first upward from h over computed inputs (an initializer or a Constant
   node's output is not computed), the first Add whose two inputs are both computed is the last
   residual Add; its output r_L is the final norm's input. The nodes between r_L and h are the
   norm (LayerNormalization, or its ReduceMean/Sub/Pow/Add/Sqrt/Div/Mul/Add decomposition, or
   RMSNorm's Pow/ReduceMean/Add/Sqrt/Div/Mul/Mul; Casts around it in float16 graphs).
3. Chain: at a residual Add with computed inputs a and b, the residual is the input that is an
   ancestor of the other (the block reads the stream through its norm; the stream does not read
   the block's output); the other input is the block's output (branch). Continue from the
   residual. Stop at:
     - an Add with two computed inputs neither of which is an ancestor of the other: the
       embedding sum when both inputs come from Gathers of initializers (GPT-2: token Gather +
       Unsqueeze(position Gather)), otherwise the chain is AMBIGUOUS;
     - a Gather of an initializer (or its DequantizeLinear, q8): the token embedding (Llama);
     - anything else: the chain is MISSING.
4. Blocks: pre-norm blocks have two residual Adds (attention, MLP); layer l (1..L) is the output
   of the 2l-th Add from the embedding, layer 0 the embedding output. The walk is accepted only
   when it reached the embedding and found 2 x num_layers Adds (config.json).

Usage: /usr/bin/python3 tools/lens_chain.py FOLDER_OR_ONNX... [--json]
"""
import json
import os
import sys

import onnx

HEAD_OPS = {"MatMul", "Gemm", "MatMulNBits", "MatMulBnb4"}
PASS_OPS = {"Cast", "Identity", "Reshape"}


class Graph:
    def __init__(self, proto):
        self.proto = proto
        self.producer = {out: node for node in proto.graph.node for out in node.output}
        self.constant = {t.name for t in proto.graph.initializer}
        self.constant |= {node.output[0] for node in proto.graph.node if node.op_type == "Constant"}
        self.initializers = {t.name for t in proto.graph.initializer}
        self._ancestors = {}

    def computed(self, node):
        return [name for name in node.input if name and name not in self.constant]

    def ancestors(self, tensor: str) -> set:
        """Tensor names upstream of tensor (itself excluded), iteratively memoised."""
        if tensor in self._ancestors:
            return self._ancestors[tensor]
        stack = [tensor]
        while stack:
            top = stack[-1]
            node = self.producer.get(top)
            inputs = [i for i in node.input if i] if node else []
            pending = [i for i in inputs if i not in self._ancestors]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            found = set(inputs)
            for name in inputs:
                found |= self._ancestors[name]
            self._ancestors[top] = found
        return self._ancestors[tensor]


def find_head(g: Graph, logits: str = "logits"):
    node, skipped = g.producer[logits], []
    while node.op_type in PASS_OPS:
        skipped.append(node)
        node = g.producer[g.computed(node)[0]]
    if node.op_type == "Mul":  # q8: Mul(Cast(MatMulInteger(DynamicQuantizeLinear(x), W)), scales)
        cast = next(g.producer[i] for i in node.input if i in g.producer and g.producer[i].op_type == "Cast")
        integer = g.producer[cast.input[0]]
        quantize = g.producer[integer.input[0]]
        return {"op": "MatMulInteger", "name": integer.name, "hidden": quantize.input[0],
                "weight": integer.input[1], "after": [n.name for n in skipped] + [cast.name, node.name],
                "before": [quantize.name]}
    if node.op_type not in HEAD_OPS:
        raise ValueError(f"no head node above {logits}: {node.op_type} {node.name}")
    weight = node.input[1]
    weight_from = g.producer.get(weight)
    return {"op": node.op_type, "name": node.name, "hidden": node.input[0],
            "weight": weight if weight_from is None else f"{weight_from.op_type}({weight_from.input[0]})",
            "after": [n.name for n in skipped], "before": []}


def is_residual_candidate(g: Graph, node) -> bool:
    return node is not None and node.op_type == "Add" and len(g.computed(node)) == 2


def find_final_norm(g: Graph, hidden: str):
    queue, seen = [hidden], {hidden}
    while queue:
        tensor = queue.pop(0)
        node = g.producer.get(tensor)
        if node is None:
            continue
        if tensor != hidden and is_residual_candidate(g, node):
            inside = (g.ancestors(hidden) | {hidden}) - g.ancestors(tensor) - {tensor}
            nodes = [n for n in g.proto.graph.node if any(o in inside for o in n.output)]
            return tensor, nodes
        for name in g.computed(node):
            if name not in seen:
                seen.add(name)
                queue.append(name)
    raise ValueError("no residual Add above the final hidden state")


def embedding_source(g: Graph, tensor: str):
    """'gather' if tensor comes (through Unsqueeze / DequantizeLinear / Cast) from a Gather of an
    initializer (or of one's quantized codes), else None."""
    node = g.producer.get(tensor)
    while node is not None and node.op_type in ("Unsqueeze", "DequantizeLinear", "Cast"):
        node = g.producer.get(node.input[0])
    if node is not None and node.op_type == "Gather" and node.input[0] in g.initializers:
        return node
    return None


def walk(proto, num_layers: int = None) -> dict:
    g = Graph(proto)
    head = find_head(g)
    resid, norm_nodes = find_final_norm(g, head["hidden"])
    steps, end = [], None
    tensor = resid
    while end is None:
        node = g.producer.get(tensor)
        if is_residual_candidate(g, node):
            a, b = g.computed(node)
            a_in_b, b_in_a = a in g.ancestors(b), b in g.ancestors(a)
            if a_in_b != b_in_a:
                residual, branch = (a, b) if a_in_b else (b, a)
                steps.append({"add": node.name, "output": tensor, "residual": residual,
                              "residualIndex": list(node.input).index(residual),
                              "residualFrom": describe(g, residual), "branch": branch,
                              "branchFrom": describe(g, branch)})
                tensor = residual
                continue
            sources = [embedding_source(g, x) for x in (a, b)]
            if all(sources):
                end = {"kind": "embedding-sum", "tensor": tensor, "node": f"Add {node.name}",
                       "inputs": [f"{s.op_type} {s.name}({s.input[0]}, {s.input[1]})" for s in sources]}
            else:
                end = {"kind": "ambiguous", "tensor": tensor, "node": f"Add {node.name}",
                       "inputs": [describe(g, a), describe(g, b)],
                       "reason": "neither input of this Add is an ancestor of the other"}
        elif embedding_source(g, tensor):
            source = embedding_source(g, tensor)
            end = {"kind": "embedding", "tensor": tensor, "node": describe(g, tensor),
                   "inputs": [f"{source.op_type} {source.name}({source.input[0]}, {source.input[1]})"]}
        else:
            end = {"kind": "missing", "tensor": tensor, "node": describe(g, tensor),
                   "reason": "the stream is produced by neither a residual Add nor an embedding"}
    steps.reverse()
    ok = end["kind"] in ("embedding", "embedding-sum")
    if ok and num_layers is not None and len(steps) != 2 * num_layers:
        ok = False
        end["reason"] = f"{len(steps)} residual Adds for {num_layers} layers (expected {2 * num_layers})"
    return {"ok": ok, "head": head, "finalNorm": {"input": resid,
                                                  "nodes": [f"{n.op_type} {n.name}" for n in norm_nodes]},
            "embedding": end, "residualAdds": steps,
            "layers": ([end["tensor"]] + [s["output"] for s in steps[1::2]]) if ok else None}


def describe(g: Graph, tensor: str) -> str:
    node = g.producer.get(tensor)
    return f"{node.op_type} {node.name}" if node else f"graph input {tensor}"


def load(path: str):
    onnx_path = os.path.join(path, "model.onnx") if os.path.isdir(path) else path
    folder = path if os.path.isdir(path) else os.path.dirname(os.path.dirname(path)) \
        if os.path.basename(os.path.dirname(path)) == "onnx" else os.path.dirname(path)
    with open(os.path.join(folder, "config.json"), encoding="utf-8") as handle:
        config = json.load(handle)
    layers = config.get("n_layer") or config.get("num_hidden_layers")
    return onnx.load(onnx_path, load_external_data=False), layers


def render(name: str, result: dict) -> str:
    lines = [f"{name}: {'OK' if result['ok'] else 'LENS OFF'}"]
    head = result["head"]
    lines.append(f"  head: {head['op']} {head['name']} (hidden {head['hidden']}, weight {head['weight']})"
                 + (f", then {', '.join(head['after'])}" if head["after"] else ""))
    lines.append(f"  final norm input r_L = {result['finalNorm']['input']}; norm nodes: "
                 + ", ".join(result["finalNorm"]["nodes"]))
    end = result["embedding"]
    lines.append(f"  stops at [{end['kind']}] {end['node']} -> {end['tensor']}"
                 + (f" <- {'; '.join(end['inputs'])}" if end.get("inputs") else "")
                 + (f" ({end['reason']})" if end.get("reason") else ""))
    for k, step in enumerate(result["residualAdds"]):
        lines.append(f"  Add #{k + 1} {step['add']}: residual = input {step['residualIndex']} "
                     f"{step['residual']} ({step['residualFrom']}); branch = {step['branch']} "
                     f"({step['branchFrom']})")
    if result["layers"]:
        lines.append("  layers: " + ", ".join(f"{i}={t}" for i, t in enumerate(result["layers"])))
    return "\n".join(lines)


def main():
    paths = [a for a in sys.argv[1:] if not a.startswith("--")]
    results = {}
    for path in paths:
        proto, layers = load(path)
        results[path] = walk(proto, layers)
        if "--json" not in sys.argv:
            print(render(path, results[path]))
    if "--json" in sys.argv:
        print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
