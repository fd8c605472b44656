"""Float64 reference values for the fixtures, computed with PyTorch on the model weights.

Scoring convention (DESIGN.md): one prefix token, then every text token is scored. Windows follow
onnx-signatures.md section 7 with t = prefix + ids, N = len(t):
  e_k = min(L + k*S, N - 1), s_k = max(0, e_k - L); window k feeds t[s_k, e_k) and scores t[m]
  for e_{k-1} < m <= e_k (e_{-1} = 0). When N - 1 <= L this is one forward pass.
Per scored token (all exact given the logits, natural logs):
  nll = -log p(t[m]); entropy H = -sum p log p; varentropy = sum p (log p + H)^2;
  rank = 1 + #{v: z_v > z_target}; logZ = logsumexp(z); top = 10 largest p (ties: lower id first);
  hiddenNorm = L2 norm of the final hidden state (the LM-head input) at the predicting position;
  context = m - s_k, the number of tokens the model saw before the target (prefix included).
A row of logits holding NaN or +/-Inf gives nonFinite: true and null metrics.
"""
import json
import math

import torch

TOP_K = 10


def window_bounds(n_tokens: int, window: int, stride: int):
    """[(s_k, e_k, first scored m)] for t of length n_tokens."""
    bounds = []
    previous_end = 0
    k = 0
    while previous_end < n_tokens - 1:
        end = min(window + k * stride, n_tokens - 1)
        start = max(0, end - window)
        bounds.append((start, end, previous_end + 1))
        previous_end = end
        k += 1
    return bounds


def _row_record(logits_row: torch.Tensor, hidden_row: torch.Tensor, target: int) -> dict:
    if not torch.isfinite(logits_row).all():
        return {"id": target, "nonFinite": True, "nll": None, "entropy": None, "varentropy": None,
                "rank": None, "logZ": None, "top": None,
                "hiddenNorm": float(hidden_row.norm())}
    log_z = torch.logsumexp(logits_row, dim=0)
    log_p = logits_row - log_z
    p = log_p.exp()
    entropy = -(p * log_p).sum()
    varentropy = (p * (log_p + entropy) ** 2).sum()
    rank = 1 + int((logits_row > logits_row[target]).sum())
    order = sorted(range(len(p)), key=lambda v: (-float(log_p[v]), v))[:TOP_K]
    return {"id": target, "nll": float(-log_p[target]), "entropy": float(entropy),
            "varentropy": float(varentropy), "rank": rank, "logZ": float(log_z),
            "top": [[v, float(p[v])] for v in order], "hiddenNorm": float(hidden_row.norm())}


def forward64(model, ids: list):
    """Logits and final hidden state in float64 for one pass from an empty past."""
    with torch.no_grad():
        logits, _, hidden = model(torch.tensor([ids], dtype=torch.long), return_hidden=True)
    return logits[0], hidden[0]


def score_windows(model64, prefix_id: int, ids: list, window: int, stride: int) -> list:
    t = [prefix_id] + list(ids)
    records = []
    for start, end, first in window_bounds(len(t), window, stride):
        logits, hidden = forward64(model64, t[start:end])
        for m in range(first, end + 1):
            record = _row_record(logits[m - 1 - start], hidden[m - 1 - start], t[m])
            record["index"] = m - 1
            record["context"] = m - start
            records.append(record)
    return records


def summary(records: list, text: str) -> dict:
    finite = [r for r in records if not r.get("nonFinite")]
    total = sum(r["nll"] for r in finite)
    count = len(finite)
    utf8 = len(text.encode("utf-8"))
    return {"tokens": len(records), "nonFinite": len(records) - count, "totalNll": total,
            "meanNll": total / count if count else None,
            "perplexity": math.exp(total / count) if count else None,
            "bitsPerByte": total / math.log(2) / utf8 if utf8 else None,
            "meanEntropy": sum(r["entropy"] for r in finite) / count if count else None}


def reference_document(model64, name: str, dtype_note: str, prefix_id: int, context: int,
                       texts: dict, encode, window_configs) -> dict:
    cases = []
    for case_name, text in texts.items():
        ids = encode(text)
        windows = []
        for window, stride in window_configs(len(ids)):
            records = score_windows(model64, prefix_id, ids, window, stride)
            windows.append({"window": window, "stride": stride, "tokens": records,
                            "summary": summary(records, text)})
        cases.append({"name": case_name, "text": text, "ids": ids,
                      "fitsInContext": len(ids) <= context, "windows": windows})
    return {"schema": "markov-lens/fixture-reference@1", "model": name, "weights": dtype_note,
            "prefixTokenId": prefix_id, "contextLength": context, "topK": TOP_K,
            "convention": __doc__.strip(), "cases": cases}


def dump_reference(document: dict) -> str:
    """JSON with one line per token record and per id array (readable diffs, a fraction of
    indent=1's size).
    Floats keep full float64 precision (repr round-trips)."""
    records = {}

    def stash(value):
        if isinstance(value, dict):
            if "nll" in value and "top" in value:
                key = f"@@record{len(records)}@@"
                records[key] = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
                return key
            return {k: stash(v) for k, v in value.items()}
        if isinstance(value, list):
            if value and all(isinstance(v, int) for v in value):  # id arrays on one line
                key = f"@@record{len(records)}@@"
                records[key] = json.dumps(value, separators=(",", ":"))
                return key
            return [stash(v) for v in value]
        return value

    text = json.dumps(stash(document), ensure_ascii=False, indent=1)
    for key, record in records.items():
        text = text.replace(f'"{key}"', record, 1)
    return text + "\n"
