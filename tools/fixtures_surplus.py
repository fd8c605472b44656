#!/usr/bin/python3
"""Float64 references for the information-surplus tiers A2 and B (paper-spec 4.11) on the
gpt2-bytelevel fixture, written to test/fixtures/surplus/gpt2-bytelevel.json (not in reference/, which holds one scoring reference per fixture model).

  B:  c_t = log p(x_{t+2} | window context up to x_{t+1}) - log p(x_{t+2} | [prefix, x_{t+1}])
      for document token t (the first term uses the analysis windows, like the NLL records).
  A2: every document position t (S = T less each full window's last position, whose branch would
      need a position past the window), the top-8 candidates w of p_t renormalised, and
      q_{t,w} = p(. | window context up to t, w); then
      H(W'|H,W) = (1/S) sum_t sum_w p~_t(w) H(q_{t,w}),  pi~(w) = (1/S) sum_t p~_t(w),
      H(W'|W) = sum_w pi~(w) H(sum_t p~_t(w) q_{t,w} / (S pi~(w))),  A2 = H(W'|W) - H(W'|H,W).
Window context: the analysis plan of fixtures_reference.window_bounds (prefix + ids, window L,
stride S); position t belongs to the window that scores its target t + 1.

Standalone: /usr/bin/python3 tools/fixtures_surplus.py  (loads the committed ONNX weights into the
PyTorch GPT-2 of tools/lib/gpt2.py, in float64; seconds). make_fixtures.py calls write_surplus
with the freshly trained model.
"""
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

from fixtures_reference import score_windows, window_bounds  # noqa: E402
from lib.gpt2 import Gpt2Config, Gpt2LMHeadModel  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CANDIDATES = 8
# (case, window, stride): the default plan on the long text, and small sliding windows on a short one.
CASES = (("long", 64, 32), ("english", 16, 8))


def load_gpt2_from_onnx(folder: str) -> Gpt2LMHeadModel:
    """The fixture's float32 weights in the PyTorch model (MatMul weights found by node name)."""
    import onnx
    from onnx import numpy_helper
    with open(os.path.join(folder, "config.json"), encoding="utf-8") as handle:
        hf = json.load(handle)
    config = Gpt2Config(vocab_size=hf["vocab_size"], n_positions=hf["n_positions"],
                        n_embd=hf["n_embd"], n_layer=hf["n_layer"], n_head=hf["n_head"],
                        bos_token_id=hf["bos_token_id"], eos_token_id=hf["eos_token_id"])
    model = Gpt2LMHeadModel(config)
    proto = onnx.load(os.path.join(folder, "model.onnx"))
    arrays = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in proto.graph.initializer}
    state = {name[len("model."):]: value for name, value in arrays.items() if name.startswith("model.")}
    for node in proto.graph.node:  # "/model/h.0/attn/c_attn/MatMul" takes x @ W^T's W^T
        if node.op_type == "MatMul" and node.input[1] in arrays and node.input[1].startswith("onnx::"):
            module = node.name.strip("/").split("/")[1:-1]
            state[".".join(module) + ".weight"] = arrays[node.input[1]].t()
    missing = set(model.state_dict()) - set(state)
    if missing:
        raise RuntimeError(f"weights not found in the graph: {sorted(missing)}")
    model.load_state_dict(state)
    return model.double().eval()


def log_softmax_rows(model64, ids_rows):
    """Float64 log-softmax of every position for a batch of equal-length id rows."""
    with torch.no_grad():
        logits, _ = model64(torch.tensor(ids_rows, dtype=torch.long))
    return torch.log_softmax(logits, dim=-1)


def entropy(log_p):
    return float(-(log_p.exp() * log_p).sum())


def window_of(bounds, target):
    """(start, end) of the window that scores fed position `target` (prefix at 0)."""
    for start, end, first in bounds:
        if first <= target <= end:
            return start, end
    raise ValueError(target)


def surplus_case(model64, prefix_id, ids, window, stride):
    t_ids = [prefix_id] + list(ids)
    T = len(ids)
    bounds = window_bounds(len(t_ids), window, stride)
    records = score_windows(model64, prefix_id, ids, window, stride)
    V = model64.config.vocab_size

    # B: the short run [prefix, doc_t] predicts doc_{t+1}.
    b_values, ablated = [], []
    for t in range(T):
        if t + 1 >= T:
            b_values.append(None)
            ablated.append(None)
            continue
        short = log_softmax_rows(model64, [[prefix_id, ids[t]]])[0, 1]
        a = float(short[ids[t + 1]])
        ablated.append(a)
        b_values.append(-records[t + 1]["nll"] - a)

    # A2 on every position: p_t from the window scoring doc token t (fed position t + 1).
    conditional = 0.0
    mixtures, weights = {}, {}
    covered_sum, min_covered, min_gap = 0.0, 1.0, math.inf
    positions = []
    S = 0
    for t in range(T):
        start, _ = window_of(bounds, t + 1)
        context = t_ids[start:t + 1]
        if len(context) >= window:
            continue  # the branch would need a position past the window (the engine skips it too)
        log_p = log_softmax_rows(model64, [context])[0, -1]
        order = sorted(range(V), key=lambda v: (-float(log_p[v]), v))
        top = order[:CANDIDATES]
        probs = [math.exp(float(log_p[w])) for w in top]
        min_gap = min(min_gap, float(log_p[order[CANDIDATES - 1]] - log_p[order[CANDIDATES]]))
        covered = sum(probs)
        covered_sum += covered
        min_covered = min(min_covered, covered)
        branch = log_softmax_rows(model64, [context + [w] for w in top])[:, -1]
        entropies = []
        for i, w in enumerate(top):
            weight = probs[i] / covered
            h = entropy(branch[i])
            entropies.append(h)
            conditional += weight * h
            mixtures[w] = mixtures.get(w, torch.zeros(V, dtype=torch.float64)) + weight * branch[i].exp()
            weights[w] = weights.get(w, 0.0) + weight
        S += 1
        if len(positions) < 4:
            positions.append({"t": t, "candidates": top, "probs": probs, "branchEntropy": entropies})
    conditional /= S
    mixture_entropy = 0.0
    for w, total in mixtures.items():
        q = total / weights[w]
        mixture_entropy += weights[w] / S * float(-(q[q > 0] * q[q > 0].log()).sum())
    finite_b = [b for b in b_values if b is not None]
    return {
        "case": None, "window": window, "stride": stride, "tokens": T,
        "B": {"values": b_values, "ablatedLogProb": ablated, "mean": sum(finite_b) / len(finite_b)},
        "A2": {"value": mixture_entropy - conditional, "conditionalEntropy": conditional,
               "mixtureEntropy": mixture_entropy, "cap": math.log(S), "positions": S,
               "candidates": CANDIDATES, "coveredMass": covered_sum / S,
               "minCoveredMass": min_covered, "distinctCandidates": len(mixtures),
               "minLogGapAtCutoff": min_gap, "firstPositions": positions},
    }


def write_surplus(model64, prefix_id, reference_path, out_path):
    with open(reference_path, encoding="utf-8") as handle:
        reference = json.load(handle)
    cases = {c["name"]: c for c in reference["cases"]}
    out = []
    for name, window, stride in CASES:
        result = surplus_case(model64, prefix_id, cases[name]["ids"], window, stride)
        result["case"] = name
        out.append(result)
        print(f"  surplus {name} {window}/{stride}: A2 {result['A2']['value']:.6f} nats, "
              f"mean B {result['B']['mean']:.6f}, min log gap at the cut {result['A2']['minLogGapAtCutoff']:.2e}")
    document = {"schema": "markov-lens/surplus-reference@1", "model": reference["model"],
                "weights": "float32 weights, computed in float64", "prefixTokenId": prefix_id,
                "convention": __doc__.strip(), "cases": out}
    with open(out_path, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=1)
        handle.write("\n")


def main():
    torch.set_num_threads(1)
    folder = os.path.join(ROOT, "test", "fixtures", "models", "gpt2-bytelevel")
    reference_path = os.path.join(ROOT, "test", "fixtures", "reference", "gpt2-bytelevel.json")
    model64 = load_gpt2_from_onnx(folder)
    with open(reference_path, encoding="utf-8") as handle:
        reference = json.load(handle)
    # The loaded weights must reproduce the committed float64 reference records.
    case = next(c for c in reference["cases"] if c["name"] == "english")
    window = case["windows"][0]
    records = score_windows(model64, reference["prefixTokenId"], case["ids"], window["window"], window["stride"])
    worst = max(abs(r["nll"] - e["nll"]) for r, e in zip(records, window["tokens"]))
    if worst > 1e-9:
        raise RuntimeError(f"weights loaded from the ONNX graph disagree with the reference: {worst}")
    write_surplus(model64, reference["prefixTokenId"], reference_path,
                  os.path.join(ROOT, "test", "fixtures", "surplus", "gpt2-bytelevel.json"))


if __name__ == "__main__":
    main()
