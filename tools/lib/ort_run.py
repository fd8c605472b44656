"""onnxruntime-node logits for the scored tokens of a window plan (through tools/lib/run_logits.js),
for recipes that measure how far the runtime is from their float64 references."""
import json
import os
import subprocess
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def window_bounds(n_tokens: int, window: int, stride: int):
    """[(s_k, e_k, first scored m)] over t = prefix + ids (fixtures_reference.window_bounds)."""
    bounds, previous_end, k = [], 0, 0
    while previous_end < n_tokens - 1:
        end = min(window + k * stride, n_tokens - 1)
        bounds.append((max(0, end - window), end, previous_end + 1))
        previous_end, k = end, k + 1
    return bounds


def ort_scored_logits(model_path: str, prefix_id: int, ids: list, window: int, stride: int,
                      chunk: int = None, extra=()):
    """(logits [n_ids, V], {extra name: [n_ids, width]}) as float64: row m-1 predicts ids[m-1]
    in the window that scores it. Windows run through the KV cache in chunks (default: half)."""
    t = [prefix_id] + list(ids)
    bounds = window_bounds(len(t), window, stride)
    windows = [t[s:e] for s, e, _ in bounds]
    chunk = chunk or max(1, (window + 1) // 2)
    with tempfile.TemporaryDirectory() as tmp:
        plan = os.path.join(tmp, "plan.json")
        out = os.path.join(tmp, "out.bin")
        with open(plan, "w", encoding="utf-8") as handle:
            json.dump({"windows": windows, "chunk": chunk}, handle)
        result = subprocess.run(["node", os.path.join(ROOT, "tools/lib/run_logits.js"), model_path,
                                 plan, out, *extra], check=True, capture_output=True, text=True)
        info = json.loads(result.stdout.strip().splitlines()[-1])
        data = np.fromfile(out, dtype="<f8")
    rows, vocab = info["rows"], info["vocab"]
    logits = data[:rows * vocab].reshape(rows, vocab)
    at = rows * vocab
    extras = {}
    for name in extra:
        width = info["extra"][name]
        extras[name] = data[at:at + rows * width].reshape(rows, width)
        at += rows * width
    picked, offset = [], 0
    for (s, e, first) in bounds:
        picked.extend(offset + m - 1 - s for m in range(first, e + 1))
        offset += e - s
    return logits[picked], {name: value[picked] for name, value in extras.items()}
