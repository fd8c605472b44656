"""P2 peer: per-token NLL and entropy of a text with PyTorch, the way a user of a Python scoring
library runs a causal LM: the recipe's own model code (tools/lib/gpt2.py or tools/lib/llama.py, from
config.json's model_type), float32, weights read from the exported model.onnx initializers (external
data too), one full forward pass per window (same windows and stride as the engine), log_softmax
over the vocabulary.

Protocol (so the benchmark can pair each peer run with an engine run): reads a JSON job
{"model": DIR, "ids": [...], "windows": [[start, end, firstTarget, lastTarget], ...], "threads": n}
from the file named by argv[1], loads the model, prints "ready", then for every line "run" on stdin
scores the whole text and prints one JSON line {"ms": elapsed, "cpu_ms": process CPU time,
"nll_sum": ..., "entropy_sum": ...};
the line "run tokens" adds "nll": [per-token NLL in document order].
Threads: torch.set_num_threads(threads); Debian's torch does its matrix products in OpenBLAS
(pthread build), whose pool follows OPENBLAS_NUM_THREADS, so the caller sets that too (bench/peer.ts).
"""
import json
import os
import sys
import time
from collections import defaultdict

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import torch  # noqa: E402
from onnx import numpy_helper  # noqa: E402

from lib.gpt2 import Gpt2Config, Gpt2LMHeadModel  # noqa: E402
from lib.llama import LlamaConfig, LlamaForCausalLM  # noqa: E402


def build_model(model_dir: str) -> torch.nn.Module:
    with open(os.path.join(model_dir, "config.json"), encoding="utf-8") as f:
        hf = json.load(f)
    if hf["model_type"] == "gpt2":
        return Gpt2LMHeadModel(Gpt2Config(
            vocab_size=hf["vocab_size"], n_positions=hf["n_positions"], n_embd=hf["n_embd"],
            n_layer=hf["n_layer"], n_head=hf["n_head"], layer_norm_epsilon=hf["layer_norm_epsilon"]))
    if hf["model_type"] == "llama":
        config = LlamaConfig(
            vocab_size=hf["vocab_size"], hidden_size=hf["hidden_size"],
            intermediate_size=hf["intermediate_size"], num_hidden_layers=hf["num_hidden_layers"],
            num_attention_heads=hf["num_attention_heads"],
            num_key_value_heads=hf.get("num_key_value_heads", hf["num_attention_heads"]),
            head_dim=hf.get("head_dim") or hf["hidden_size"] // hf["num_attention_heads"],
            max_position_embeddings=hf["max_position_embeddings"], rms_norm_eps=hf["rms_norm_eps"],
            rope_theta=hf.get("rope_theta", 10000.0))
        model = LlamaForCausalLM(config)
        if hf.get("tie_word_embeddings"):
            model.lm_head.weight = model.embed_tokens.weight
        return model
    raise SystemExit(f"peer_torch.py: model_type {hf['model_type']!r} is not supported")


def initializer_arrays(graph) -> dict:
    """name -> array for every initializer and every Identity of one: the exporter merges
    parameters of equal value (every all-zero bias, every all-one norm weight) into one initializer
    and gives the others their names back as Identity outputs."""
    arrays = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    for node in graph.node:  # topological order, so chains resolve
        if node.op_type == "Identity" and node.input[0] in arrays:
            arrays[node.output[0]] = arrays[node.input[0]]
    return arrays


def graph_uses(graph, arrays: dict) -> dict:
    """module path ("h.0.attn.c_attn") -> [(op_type, input index, array name)] of the nodes in
    that module's scope (exporter node names are "/model/h.0/attn/c_attn/MatMul")."""
    uses = defaultdict(list)
    for node in graph.node:
        scope = node.name.rsplit("/", 1)[0]
        if not scope.startswith("/model/"):
            continue
        path = scope[len("/model/"):].replace("/", ".")
        for index, name in enumerate(node.input):
            if name in arrays:
                uses[path].append((node.op_type, index, name))
    return uses


def parameter_value(name: str, shape: tuple, arrays: dict, uses: dict) -> np.ndarray:
    """The value of parameter `name`: under its own name (an initializer or the Identity of a merged
    one), else the operand its own module's node takes in that role. The exporter folds a Linear
    weight into an anonymous transposed MatMul operand ("onnx::MatMul_N")."""
    if f"model.{name}" in arrays:
        return arrays[f"model.{name}"]
    module, leaf = name.rsplit(".", 1)
    found = {}
    for op, index, init in uses.get(module, ()):
        if op == "LayerNormalization" and index != {"weight": 1, "bias": 2}.get(leaf):
            continue
        if op == "Add" and leaf != "bias":
            continue
        value = arrays[init].T if op == "MatMul" else arrays[init]
        if tuple(value.shape) == shape:
            found[init] = value
    if len(found) != 1:
        raise SystemExit(f"peer_torch.py: {len(found)} initializers fit parameter {name} {shape} "
                         f"({sorted(found) or uses.get(module)})")
    return next(iter(found.values()))


def load(model_dir: str) -> torch.nn.Module:
    model = build_model(model_dir).eval()
    graph = onnx.load(os.path.join(model_dir, "model.onnx")).graph  # reads model.onnx_data too
    arrays = initializer_arrays(graph)
    uses = graph_uses(graph, arrays)
    with torch.no_grad():
        for name, param in model.named_parameters():  # a tied weight is listed once
            value = parameter_value(name, tuple(param.shape), arrays, uses)
            param.copy_(torch.from_numpy(np.array(value, dtype=np.float32)))
    return model


def score(model, ids: torch.Tensor, windows, per_token: bool) -> tuple:
    nll_sum = 0.0
    entropy_sum = 0.0
    nlls = []
    with torch.inference_mode():
        for start, end, first, last in windows:
            logits, _ = model(ids[start:end].unsqueeze(0))
            logp = torch.log_softmax(logits[0], dim=-1)
            rows = torch.arange(first - 1 - start, last - start)
            targets = ids[first:last + 1]
            nll = -logp[rows, targets]
            entropy = -(logp[rows].exp() * logp[rows]).sum(-1)
            nll_sum += float(nll.double().sum())
            entropy_sum += float(entropy.double().sum())
            if per_token:
                nlls += nll.tolist()
    return nll_sum, entropy_sum, nlls


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as f:
        job = json.load(f)
    torch.set_num_threads(job["threads"])
    model = load(job["model"])
    ids = torch.tensor(job["ids"], dtype=torch.long)
    print("ready", flush=True)
    for line in sys.stdin:
        command = line.split()
        if not command or command[0] != "run":
            break
        per_token = command[1:] == ["tokens"]
        t0, c0 = time.perf_counter(), time.process_time()
        nll_sum, entropy_sum, nlls = score(model, ids, job["windows"], per_token)
        ms, cpu_ms = (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000
        result = {"ms": ms, "cpu_ms": cpu_ms, "nll_sum": nll_sum, "entropy_sum": entropy_sum}
        if per_token:
            result["nll"] = nlls
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
