#!/usr/bin/python3
"""Comparison references (issue 16: `markov-lens compare FILE --model BASE --against OTHER`),
schema markov-lens/compare-reference@1, in test/fixtures/reference/compare/:

  gpt2-bytelevel--gpt2-bytelevel-noisy.json   same tokenizer: gpt2-bytelevel against its twin
      test/fixtures/models/gpt2-bytelevel-noisy/ (every float initializer + N(0, (0.08 rms)^2),
      seeded; mean KL about 0.04 nats, like a coarse quantization)
  default--default-fp16.json   same tokenizer: models/default against its float16 twin
      test/fixtures/models/default-fp16/ (lib/fp16.py conversion of models/default/model.onnx),
      on the first ~1,500 tokens of models/default/heldout/python-textwrap.py (cut at a line end)
  gpt2-bytelevel--llama-metaspace.json   different tokenizers: per-token NLLs and spans of both
      models and the segment sums at the character positions where both tokenizations cut

Float64 throughout: P from the base weights, Q from the other's (the fp16 twin: float16-rounded
weights computed in float64; onnxruntime computes it in float16). The definitions are in the
documents' "convention" field and tools/README.md.

  /usr/bin/python3 tools/fixtures_compare.py            all three (a minute)
  /usr/bin/python3 tools/fixtures_compare.py --default  only default-fp16 and its reference: rerun
                                                        after models/default changes
  --measure  also runs both graphs of each same-tokenizer pair in onnxruntime-node and prints the
             largest deviations from the reference
"""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import torch  # noqa: E402
from onnx import numpy_helper  # noqa: E402

import fixtures_metrics as fm  # noqa: E402
from fixtures_corpus import reference_texts  # noqa: E402
from fixtures_quantized import scored_log_probs  # noqa: E402
from fixtures_reference import score_windows, summary  # noqa: E402
from lib.export import save_onnx  # noqa: E402
from lib.fp16 import convert_to_float16  # noqa: E402
from lib.onnx_weights import read_config, torch_model_from_onnx  # noqa: E402
from lib.ort_run import ort_scored_logits  # noqa: E402
from lib.tokenizer_json import write_json  # noqa: E402
from lib.tokenizer_load import FolderTokenizer, token_spans  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = os.path.join(ROOT, "test", "fixtures", "models")
DEFAULT = os.path.join(ROOT, "models", "default")
REFERENCE = os.path.join(ROOT, "test", "fixtures", "reference", "compare")
JSON_FILES = ("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
              "special_tokens_map.json")
NOISE, NOISE_SEED = 0.08, 7
DEFAULT_TEXT = os.path.join(DEFAULT, "heldout", "python-textwrap.py")
DEFAULT_TOKENS = 1500

CONVENTION = """Comparison of two causal LMs on one text (nats, float64).
Same tokenizer: both models see the same ids in the same windows: t = [prefix] + ids, window
L = the smaller of the two contexts, stride S = L/2, the window plan of fixture-reference@1
(e_k = min(L + kS, N-1), s_k = max(0, e_k - L); window k scores t[m], e_{k-1} < m <= e_k).
Per scored token, with P = base and Q = other next-token distributions over the full vocabulary:
  kl = KL(P||Q) = sum p (log p - log q); klReverse = KL(Q||P);
  js = 0.5 KL(P||M) + 0.5 KL(Q||M), M = (P+Q)/2; tv = 0.5 sum |p - q|;
  dNll = nll_Q - nll_P; dP = q(actual) - p(actual); sameTop1 = argmax P == argmax Q;
  per model: nll, entropy, rank = 1 + #{v: z_v > z_actual}, p = p(actual), top1 = argmax
  (ties: lower id), top = 10 largest [id, p] (ties: lower id).
Summary over the scored tokens: tokens, meanKl, maxKl, medianKl, p99Kl, p999Kl (percentiles:
linear interpolation at q(n-1) of the sorted values), meanKlReverse, meanJs, meanTv, meanDNll,
totalNllBase, totalNllOther, pplBase = exp(mean nll_P), pplOther, pplRatio = pplOther / pplBase,
meanDP, rmsDP = sqrt(mean dP^2), sameTop1 (fraction)."""

SEGMENT_CONVENTION = """Different tokenizers: each model scores its own ids with its own default
plan (window = its context, stride = window/2, one prefix token). Token spans: the token bytes laid
over the text's UTF-8 (Metaspace's prepended "▁" dropped), byteStart/byteEnd in UTF-8 bytes of the
text, start/end in UTF-16 code units with each character given to the token holding its first
byte, partial = the token's byte range does not start and end on character boundaries.
Segments: the text is cut at every UTF-8 offset b (0 < b < length) that is a character boundary
and the byteStart of some token in both tokenizations; segment [byteStart, byteEnd) ([start, end)
in UTF-16) holds the tokens whose byte range lies inside it (a token with no bytes belongs to the
segment that starts at its offset), baseTokens / otherTokens = [first index, last index + 1), and
baseNll / otherNll = the sum of those tokens' nll (so -log p(segment bytes | everything before))."""


# ---------------------------------------------------------------- twin models

def write_noisy_twin(source: str, target: str) -> None:
    """The source folder with N(0, (NOISE * rms)^2) added to every float initializer (seeded)."""
    os.makedirs(target, exist_ok=True)
    for name in JSON_FILES:
        shutil.copyfile(os.path.join(source, name), os.path.join(target, name))
    proto = onnx.load(os.path.join(source, "model.onnx"))
    rng = np.random.default_rng(NOISE_SEED)
    for tensor in proto.graph.initializer:
        array = numpy_helper.to_array(tensor)
        if array.dtype != np.float32:
            continue
        rms = np.sqrt((array.astype(np.float64) ** 2).mean())
        noisy = array + NOISE * rms * rng.standard_normal(array.shape)
        tensor.CopyFrom(numpy_helper.from_array(noisy.astype(np.float32), tensor.name))
    save_onnx(proto, os.path.join(target, "model.onnx"))


def write_fp16_twin(source: str, target: str) -> None:
    os.makedirs(target, exist_ok=True)
    for name in JSON_FILES:
        shutil.copyfile(os.path.join(source, name), os.path.join(target, name))
    config = read_config(target)
    config["torch_dtype"] = "float16"
    write_json(os.path.join(target, "config.json"), config)
    proto = convert_to_float16(onnx.load(os.path.join(source, "model.onnx")))
    onnx.checker.check_model(proto)
    save_onnx(proto, os.path.join(target, "model.onnx"))


# ---------------------------------------------------------------- same tokenizer

def context_of(config: dict) -> int:
    return config.get("n_positions") or config["max_position_embeddings"]


def side(log_p: np.ndarray, z_like: np.ndarray, target: int) -> dict:
    return {"nll": float(-log_p[target]), "entropy": fm.entropy(log_p), "rank": fm.rank(z_like, target),
            "p": float(np.exp(log_p[target])), "top1": fm.top1(z_like), "top": fm.top_k(log_p)}


def compare_case(p64, q64, prefix: int, ids: list, window: int, stride: int) -> list:
    records = score_windows(p64, prefix, ids, window, stride)  # index and context per token
    log_p = scored_log_probs(p64, prefix, ids, window, stride)
    log_q = scored_log_probs(q64, prefix, ids, window, stride)
    tokens = []
    for record, lp, lq in zip(records, log_p, log_q):
        target = record["id"]
        base, other = side(lp, lp, target), side(lq, lq, target)
        tokens.append({
            "index": record["index"], "id": target, "context": record["context"],
            "kl": fm.kl(lp, lq), "klReverse": fm.kl(lq, lp), "js": fm.js(lp, lq), "tv": fm.tv(lp, lq),
            "dNll": other["nll"] - base["nll"], "dP": other["p"] - base["p"],
            "sameTop1": base["top1"] == other["top1"], "base": base, "other": other})
    return tokens


def compare_summary(tokens: list) -> dict:
    kl = [t["kl"] for t in tokens]
    n = len(tokens)
    nll_p = sum(t["base"]["nll"] for t in tokens)
    nll_q = sum(t["other"]["nll"] for t in tokens)
    return {"tokens": n, "meanKl": float(np.mean(kl)), "maxKl": max(kl), "medianKl": fm.percentile(kl, 0.5),
            "p99Kl": fm.percentile(kl, 0.99), "p999Kl": fm.percentile(kl, 0.999),
            "meanKlReverse": float(np.mean([t["klReverse"] for t in tokens])),
            "meanJs": float(np.mean([t["js"] for t in tokens])), "meanTv": float(np.mean([t["tv"] for t in tokens])),
            "meanDNll": (nll_q - nll_p) / n, "totalNllBase": nll_p, "totalNllOther": nll_q,
            "pplBase": float(np.exp(nll_p / n)), "pplOther": float(np.exp(nll_q / n)),
            "pplRatio": float(np.exp((nll_q - nll_p) / n)),
            "meanDP": float(np.mean([t["dP"] for t in tokens])),
            "rmsDP": float(np.sqrt(np.mean([t["dP"] ** 2 for t in tokens]))),
            "sameTop1": sum(t["sameTop1"] for t in tokens) / n}


def same_tokenizer_document(base: dict, other: dict, texts: dict) -> dict:
    """base / other: {"name", "folder" (for the tokenizer and config), "model64", "weights"}."""
    configs = [read_config(base["folder"]), read_config(other["folder"])]
    window = min(context_of(c) for c in configs)
    stride = window // 2
    prefix = configs[0]["bos_token_id"]
    tokenizer = FolderTokenizer(base["folder"])
    cases = []
    for name, text in texts.items():
        ids = tokenizer.encode(text)
        tokens = compare_case(base["model64"], other["model64"], prefix, ids, window, stride)
        cases.append({"name": name, "text": text, "ids": ids, "tokens": tokens,
                      "summary": compare_summary(tokens)})
        print(f"  {base['name']} vs {other['name']} [{name}]: {len(ids)} tokens, mean KL "
              f"{cases[-1]['summary']['meanKl']:.4f}, same top-1 {cases[-1]['summary']['sameTop1']:.3f}",
              flush=True)
    describe = lambda s, c: {"model": s["name"], "path": s["path"], "weights": s["weights"],  # noqa: E731
                             "contextLength": context_of(c)}
    return {"schema": "markov-lens/compare-reference@1", "kind": "same-tokenizer",
            "base": describe(base, configs[0]), "other": describe(other, configs[1]),
            "prefixTokenId": prefix, "window": window, "stride": stride, "topK": fm.TOP_K,
            "convention": CONVENTION, "cases": cases}


# ---------------------------------------------------------------- different tokenizers

def model_side(name: str, folder: str, model64, text: str) -> dict:
    config = read_config(folder)
    context = context_of(config)
    tokenizer = FolderTokenizer(folder)
    ids = tokenizer.encode(text)
    records = score_windows(model64, config["bos_token_id"], ids, context, context // 2)
    spans = token_spans(tokenizer, text, ids)
    tokens = [{"index": r["index"], "id": r["id"], "context": r["context"], "nll": r["nll"], **span}
              for r, span in zip(records, spans)]
    return {"model": name, "prefixTokenId": config["bos_token_id"], "window": context,
            "stride": context // 2, "ids": ids, "tokens": tokens,
            "summary": summary(records, text)}


def segments(text: str, base_tokens: list, other_tokens: list) -> list:
    char_starts, utf16_at = set(), {}
    byte, unit = 0, 0
    for ch in text:
        char_starts.add(byte)
        utf16_at[byte] = unit
        byte += len(ch.encode("utf-8"))
        unit += 2 if ord(ch) > 0xFFFF else 1
    utf16_at[byte] = unit
    total = byte
    cuts = sorted(({t["byteStart"] for t in base_tokens} & {t["byteStart"] for t in other_tokens}
                   & char_starts) - {0})
    edges = [0] + cuts + [total]
    result = []

    def members(tokens, low, high, last):
        inside = [i for i, t in enumerate(tokens)
                  if low <= t["byteStart"] and t["byteEnd"] <= high
                  and (t["byteStart"] < t["byteEnd"] or t["byteStart"] < high or last)]
        return inside

    for k, (low, high) in enumerate(zip(edges, edges[1:])):
        last = k == len(edges) - 2
        b = members(base_tokens, low, high, last)
        o = members(other_tokens, low, high, last)
        result.append({"start": utf16_at[low], "end": utf16_at[high], "byteStart": low, "byteEnd": high,
                       "baseTokens": [b[0], b[-1] + 1] if b else [0, 0],
                       "otherTokens": [o[0], o[-1] + 1] if o else [0, 0],
                       "baseNll": sum(base_tokens[i]["nll"] for i in b),
                       "otherNll": sum(other_tokens[i]["nll"] for i in o)})
    assigned = [sum(s["baseTokens"][1] - s["baseTokens"][0] for s in result),
                sum(s["otherTokens"][1] - s["otherTokens"][0] for s in result)]
    if assigned != [len(base_tokens), len(other_tokens)]:
        raise AssertionError(f"segments do not partition the tokens: {assigned}")
    return result


def cross_tokenizer_document(base: dict, other: dict, texts: dict) -> dict:
    cases = []
    for name, text in texts.items():
        b = model_side(base["name"], base["folder"], base["model64"], text)
        o = model_side(other["name"], other["folder"], other["model64"], text)
        segs = segments(text, b["tokens"], o["tokens"])
        cases.append({"name": name, "text": text, "utf16Length": len(text.encode("utf-16-le")) // 2,
                      "utf8Bytes": len(text.encode("utf-8")), "base": b, "other": o, "segments": segs,
                      "summary": {"segments": len(segs), "totalNllBase": b["summary"]["totalNll"],
                                  "totalNllOther": o["summary"]["totalNll"]}})
        print(f"  {base['name']} vs {other['name']} [{name}]: {len(b['ids'])} / {len(o['ids'])} tokens, "
              f"{len(segs)} segments", flush=True)
    return {"schema": "markov-lens/compare-reference@1", "kind": "cross-tokenizer",
            "base": {"model": base["name"], "path": base["path"], "weights": base["weights"]},
            "other": {"model": other["name"], "path": other["path"], "weights": other["weights"]},
            "convention": SEGMENT_CONVENTION, "cases": cases}


# ---------------------------------------------------------------- documents

def fixture(name: str, weights: str = "float32 weights, computed in float64") -> dict:
    folder = os.path.join(MODELS, name)
    return {"name": name, "folder": folder, "path": f"test/fixtures/models/{name}", "weights": weights,
            "model64": torch_model_from_onnx(folder).double().eval()}


def save(document: dict, file: str) -> None:
    os.makedirs(REFERENCE, exist_ok=True)
    with open(os.path.join(REFERENCE, file), "w", encoding="utf-8") as handle:
        handle.write(fm.dump_compact(document))


def default_text(tokenizer) -> str:
    """The held-out file's lines up to the last line end within DEFAULT_TOKENS tokens."""
    with open(DEFAULT_TEXT, encoding="utf-8") as handle:
        lines = handle.read().splitlines(keepends=True)
    text = ""
    for line in lines:
        if len(tokenizer.encode(text + line)) > DEFAULT_TOKENS:
            break
        text += line
    return text


def write_default_compare() -> None:
    twin = os.path.join(MODELS, "default-fp16")
    write_fp16_twin(DEFAULT, twin)
    base = {"name": "default", "folder": DEFAULT, "path": "models/default",
            "weights": "float32 weights, computed in float64",
            "model64": torch_model_from_onnx(DEFAULT).double().eval()}
    other = {"name": "default-fp16", "folder": twin, "path": "test/fixtures/models/default-fp16",
             "weights": "float16-rounded weights, computed in float64 (the graph computes in float16)",
             "model64": torch_model_from_onnx(twin).double().eval()}
    text = default_text(FolderTokenizer(DEFAULT))
    save(same_tokenizer_document(base, other, {"python-textwrap": text}), "default--default-fp16.json")


def write_fixture_compares() -> None:
    write_noisy_twin(os.path.join(MODELS, "gpt2-bytelevel"), os.path.join(MODELS, "gpt2-bytelevel-noisy"))
    gpt2 = fixture("gpt2-bytelevel")
    noisy = fixture("gpt2-bytelevel-noisy", f"gpt2-bytelevel float32 weights + N(0, ({NOISE} x tensor "
                    f"rms)^2) per float initializer (numpy seed {NOISE_SEED}), computed in float64")
    tokenizer = FolderTokenizer(gpt2["folder"])
    texts = reference_texts(tokenizer.encode, 64)
    shared = {k: texts[k] for k in ("english", "code", "unicode", "long")}
    save(same_tokenizer_document(gpt2, noisy, shared), "gpt2-bytelevel--gpt2-bytelevel-noisy.json")
    cross = {k: texts[k] for k in ("english", "code", "unicode", "unicode_wide", "long")}
    save(cross_tokenizer_document(gpt2, fixture("llama-metaspace"), cross),
         "gpt2-bytelevel--llama-metaspace.json")


def measure_same_tokenizer(file: str) -> dict:
    """onnxruntime-node against a same-tokenizer reference: max |diff| of each model's nll and of
    kl, js, tv, dNll (both graphs run through the KV cache in half-window chunks)."""
    with open(os.path.join(REFERENCE, file), encoding="utf-8") as handle:
        document = json.load(handle)
    paths = [os.path.join(ROOT, document[k]["path"], "model.onnx") for k in ("base", "other")]
    worst = {k: 0.0 for k in ("nllBase", "nllOther", "kl", "js", "tv", "dNll")}
    for case in document["cases"]:
        log_p, log_q = (fm.log_softmax(ort_scored_logits(path, document["prefixTokenId"], case["ids"],
                                                         document["window"], document["stride"])[0])
                        for path in paths)
        for t, lp, lq in zip(case["tokens"], log_p, log_q):
            got = {"nllBase": -lp[t["id"]], "nllOther": -lq[t["id"]], "kl": fm.kl(lp, lq), "js": fm.js(lp, lq),
                   "tv": fm.tv(lp, lq), "dNll": lp[t["id"]] - lq[t["id"]]}
            want = {"nllBase": t["base"]["nll"], "nllOther": t["other"]["nll"], "kl": t["kl"], "js": t["js"],
                    "tv": t["tv"], "dNll": t["dNll"]}
            for key in worst:
                worst[key] = max(worst[key], abs(float(got[key]) - want[key]))
    print(f"  ORT vs {file}: " + ", ".join(f"{k} {v:.2e}" for k, v in worst.items()), flush=True)
    return worst


def main():
    torch.set_num_threads(1)
    files = ["default--default-fp16.json"]
    if "--default" not in sys.argv:
        write_fixture_compares()
        files.insert(0, "gpt2-bytelevel--gpt2-bytelevel-noisy.json")
    write_default_compare()
    if "--measure" in sys.argv:
        for file in files:
            measure_same_tokenizer(file)


if __name__ == "__main__":
    main()
