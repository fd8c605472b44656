"""P2 peer: per-token NLL and entropy of a text with PyTorch, the way a user of a Python scoring
library runs a GPT-2: the recipe's own model code (tools/lib/gpt2.py), float32, weights read from
the exported model.onnx initializers, one full forward pass per window (same windows and stride as
the engine), log_softmax over the vocabulary.

Protocol (so the benchmark can pair each peer run with an engine run): reads a JSON job
{"model": DIR, "ids": [...], "windows": [[start, end, firstTarget, lastTarget], ...], "threads": n}
from the file named by argv[1], loads the model, prints "ready", then for every line "run" on stdin
scores the whole text and prints one JSON line {"ms": elapsed, "nll_sum": ..., "entropy_sum": ...}.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import torch  # noqa: E402
from onnx import numpy_helper  # noqa: E402

from lib.gpt2 import Gpt2Config, Gpt2LMHeadModel  # noqa: E402


def load(model_dir: str) -> Gpt2LMHeadModel:
    with open(os.path.join(model_dir, "config.json"), encoding="utf-8") as f:
        hf = json.load(f)
    config = Gpt2Config(vocab_size=hf["vocab_size"], n_positions=hf["n_positions"], n_embd=hf["n_embd"],
                        n_layer=hf["n_layer"], n_head=hf["n_head"], layer_norm_epsilon=hf["layer_norm_epsilon"])
    model = Gpt2LMHeadModel(config).eval()
    graph = onnx.load(os.path.join(model_dir, "model.onnx")).graph
    named = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    state = {}
    for name, value in named.items():
        if name.startswith("model."):
            state[name[len("model."):]] = value
    # The exporter folds each Linear weight into an anonymous MatMul operand (weight transposed), in
    # module order per block: attn.c_attn, attn.c_proj, c_fc, c_proj.
    matmuls = sorted((n for n in named if n.startswith("onnx::MatMul_")), key=lambda n: int(n.rsplit("_", 1)[1]))
    linears = ["attn.c_attn", "attn.c_proj", "c_fc", "c_proj"]
    if len(matmuls) != len(linears) * config.n_layer:
        raise SystemExit(f"unexpected initializers: {len(matmuls)} MatMul weights for {config.n_layer} layers")
    for i, name in enumerate(matmuls):
        state[f"h.{i // 4}.{linears[i % 4]}.weight"] = np.ascontiguousarray(named[name].T)
    model.load_state_dict({k: torch.from_numpy(np.array(v, dtype=np.float32)) for k, v in state.items()}, strict=True)
    return model


def score(model, ids: torch.Tensor, windows) -> tuple:
    nll_sum = 0.0
    entropy_sum = 0.0
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
    return nll_sum, entropy_sum


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as f:
        job = json.load(f)
    torch.set_num_threads(job["threads"])
    model = load(job["model"])
    ids = torch.tensor(job["ids"], dtype=torch.long)
    print("ready", flush=True)
    for line in sys.stdin:
        if line.strip() != "run":
            break
        t0 = time.perf_counter()
        nll_sum, entropy_sum = score(model, ids, job["windows"])
        ms = (time.perf_counter() - t0) * 1000
        print(json.dumps({"ms": ms, "nll_sum": nll_sum, "entropy_sum": entropy_sum}), flush=True)


if __name__ == "__main__":
    main()
