"""Per-position distribution metrics in float64 (numpy), shared by the comparison, lens,
quantization and long-context recipes. Natural logs throughout.

  log p = z - logsumexp(z); nll = -log p[target]; entropy = -sum p log p;
  rank = 1 + #{v: z_v > z_target} (strict, so ties share the better rank);
  top-k = the k largest p, ties to the lower id; top1 = argmax with ties to the lower id;
  KL(P||Q) = sum p (log p - log q); JS = 0.5 KL(P||M) + 0.5 KL(Q||M), M = (P+Q)/2;
  TV = 0.5 sum |p - q|.
"""
import numpy as np

TOP_K = 10


def log_softmax(z: np.ndarray) -> np.ndarray:
    z = np.asarray(z, dtype=np.float64)
    peak = z.max(axis=-1, keepdims=True)
    return z - (peak + np.log(np.exp(z - peak).sum(axis=-1, keepdims=True)))


def entropy(log_p: np.ndarray) -> float:
    return float(-(np.exp(log_p) * log_p).sum())


def rank(z: np.ndarray, target: int) -> int:
    return 1 + int((z > z[target]).sum())


def top1(z: np.ndarray) -> int:
    return int(np.argmax(z))  # first maximum: the lower id on ties


def top_k(log_p: np.ndarray, k: int = TOP_K) -> list:
    order = sorted(range(len(log_p)), key=lambda v: (-log_p[v], v))[:k]
    return [[v, float(np.exp(log_p[v]))] for v in order]


def kl(log_p: np.ndarray, log_q: np.ndarray) -> float:
    p = np.exp(log_p)
    return float((p * (log_p - log_q)).sum())


def js(log_p: np.ndarray, log_q: np.ndarray) -> float:
    p, q = np.exp(log_p), np.exp(log_q)
    log_m = np.logaddexp(log_p, log_q) - np.log(2.0)
    return float(0.5 * (p * (log_p - log_m)).sum() + 0.5 * (q * (log_q - log_m)).sum())


def tv(log_p: np.ndarray, log_q: np.ndarray) -> float:
    return float(0.5 * np.abs(np.exp(log_p) - np.exp(log_q)).sum())


def percentile(values, q: float) -> float:
    """Linear interpolation between order statistics at position q*(n-1) (numpy's default)."""
    return float(np.percentile(np.asarray(values, dtype=np.float64), q * 100.0))


def dump_compact(document: dict) -> str:
    """JSON (indent 1) with each per-token record (a dict holding "index"), each segment (a dict
    holding "baseNll") and each list of numbers on one line; floats keep full precision."""
    import json
    import re
    lines = {}

    def one_line(value):
        key = f"@@line{len(lines)}@@"
        lines[key] = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return key

    def stash(value):
        if isinstance(value, dict):
            if "index" in value or "baseNll" in value:
                return one_line(value)
            return {k: stash(v) for k, v in value.items()}
        if isinstance(value, list):
            if value and all(v is None or isinstance(v, (int, float)) for v in value):
                return one_line(value)
            return [stash(v) for v in value]
        return value

    text = json.dumps(stash(document), ensure_ascii=False, indent=1)
    return re.sub(r'"(@@line\d+@@)"', lambda m: lines[m.group(1)], text) + "\n"
