"""Bits per byte on held-out text, with the scoring convention of DESIGN.md.

One <|endoftext|> prefix token, every token of the text scored (the first included), and for
texts longer than the context a sliding window: windows of `window` tokens advanced by `stride`,
each scoring only the tokens the previous window did not (lm-evaluation-harness rolling
log-likelihood). bits per byte = total NLL / ln 2 / UTF-8 bytes. Exact given the model; the only
approximation is float32 arithmetic.
"""
from __future__ import annotations

import math

import torch


def score_ids(model, ids: list[int], window: int, stride: int) -> float:
    """Total NLL in nats of ids[1:] given ids[0] (the prefix) and the tokens before each."""
    total = 0.0
    scored_until = 1  # ids[0] is the prefix: never scored
    start = 0
    with torch.no_grad():
        while scored_until < len(ids):
            end = min(len(ids), start + window)
            chunk = torch.tensor([ids[start:end]], dtype=torch.long)
            logits, _ = model(chunk)
            logp = torch.log_softmax(logits[0], dim=-1)  # float32, summed in float64 below
            # chunk position p predicts ids[start + p + 1]; score only targets not yet scored
            targets = torch.tensor(ids[scored_until:end], dtype=torch.long)
            rows = torch.arange(scored_until - start - 1, end - start - 1)
            total -= float(logp[rows, targets].double().sum())
            scored_until = end
            start += stride  # stride <= window, so the next window holds scored_until
    return total


def bits_per_byte(model, encode, prefix_id: int, texts: list[str], window: int = 1024,
                  stride: int = 512) -> dict:
    model.eval()
    nll, nbytes, ntokens = 0.0, 0, 0
    for text in texts:
        ids = [prefix_id] + encode(text)
        nll += score_ids(model, ids, window, stride)
        nbytes += len(text.encode("utf-8"))
        ntokens += len(ids) - 1
    return {"bits_per_byte": nll / math.log(2) / nbytes, "nats_per_token": nll / ntokens,
            "bytes": nbytes, "tokens": ntokens}
