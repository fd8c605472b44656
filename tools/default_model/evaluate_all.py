"""Held-out evaluation of the default model, and the held-out sample files shipped for tests.

Each held-out source is scored on its first SOURCE_BYTES of text (documents sorted by path, the
last one cut at a line end), so the selection is fixed and evaluation stays a few minutes. "prose" and "python" aggregate the held-out sources of that
kind that have training siblings (byte-weighted); `unseen-*` sources are reported on their own.
"""
from __future__ import annotations

import gzip
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from lib.bpe import ByteLevelBpeTokenizer  # noqa: E402

from evaluate import bits_per_byte  # noqa: E402

SOURCE_BYTES = 40_000
PROSE_SAMPLE = ("prose-fortunes-literature.txt", "/usr/share/games/fortunes/literature", 12_000)
PYTHON_SAMPLE = ("python-textwrap.py", "/usr/lib/python3.11/textwrap.py", 0)
EOT = "<|endoftext|>"


def load_tokenizer(path: str) -> tuple[ByteLevelBpeTokenizer, int]:
    with open(path, encoding="utf-8") as f:
        model = json.load(f)["model"]
    vocab = model["vocab"]
    return ByteLevelBpeTokenizer(vocab, [tuple(m) for m in model["merges"]]), vocab[EOT]


def truncate(text: str, max_bytes: int) -> str:
    """text cut to at most max_bytes UTF-8 bytes, at the last line end (never mid-character)."""
    if len(text.encode()) <= max_bytes:
        return text
    cut = text.encode()[:max_bytes].decode("utf-8", errors="ignore")
    line_end = cut.rfind("\n")
    return cut[:line_end + 1] if line_end > 0 else cut


def heldout_docs(corpus_dir: str) -> list[dict]:
    with open(os.path.join(corpus_dir, "heldout.jsonl"), encoding="utf-8") as f:
        docs = [json.loads(line) for line in f]
    return sorted(docs, key=lambda d: (d["source"], d["path"], d["part"]))


def sample_texts(corpus_dir: str) -> dict[str, str]:
    """The two committed held-out samples: whole fortune documents up to ~12 KB, one module."""
    docs = heldout_docs(corpus_dir)
    out = {}
    for name, path, limit in (PROSE_SAMPLE, PYTHON_SAMPLE):
        parts, size = [], 0
        for d in (d for d in docs if d["path"] == path):
            if limit and size + len(d["text"]) > limit and parts:
                break
            parts.append(d["text"].rstrip("\n"))
            size += len(d["text"])
        assert parts, f"{path} is not in the held-out split"
        out[name] = "\n\n".join(parts) + "\n"
    return out


def write_heldout_samples(corpus_dir: str, out_dir: str) -> None:
    os.makedirs(out_dir, exist_ok=True)
    for name, text in sample_texts(corpus_dir).items():
        with open(os.path.join(out_dir, name), "w", encoding="utf-8") as f:
            f.write(text)


def gzip_bits_per_byte(texts: list[str]) -> float:
    """The baseline: gzip -9 of each text on its own, bits per UTF-8 byte."""
    raw = [t.encode("utf-8") for t in texts]
    return sum(len(gzip.compress(b, 9)) for b in raw) * 8 / sum(len(b) for b in raw)


def evaluate(model, tokenizer_path: str, corpus_dir: str, log=print) -> dict:
    tokenizer, eot = load_tokenizer(tokenizer_path)
    by_source: dict[str, list[dict]] = {}
    for d in heldout_docs(corpus_dir):
        by_source.setdefault(d["source"], []).append(d)
    results: dict = {"sources": {}, "samples": {}}
    for source, docs in by_source.items():
        texts, size = [], 0
        for d in docs:
            if size >= SOURCE_BYTES:
                break
            texts.append(truncate(d["text"], SOURCE_BYTES - size))
            size += len(texts[-1].encode())
        r = bits_per_byte(model, tokenizer.encode, eot, texts)
        r["kind"] = docs[0]["kind"]
        r["gzip_bits_per_byte"] = gzip_bits_per_byte(texts)
        results["sources"][source] = r
        log(f"held-out {source}: {r['bits_per_byte']:.3f} bits/byte over {r['bytes']} bytes")
    for kind, label in (("prose", "prose"), ("code", "python")):
        parts = [r for s, r in results["sources"].items()
                 if r["kind"] == kind and not s.startswith("unseen-")]
        nbits = sum(r["bits_per_byte"] * r["bytes"] for r in parts)
        nbytes = sum(r["bytes"] for r in parts)
        gzip_bits = sum(r["gzip_bits_per_byte"] * r["bytes"] for r in parts)
        results[label] = {"bits_per_byte": nbits / nbytes, "bytes": nbytes,
                          "gzip_bits_per_byte": gzip_bits / nbytes}
        log(f"held-out {label} (all sources): {nbits / nbytes:.3f} bits/byte")
    for name, text in sample_texts(corpus_dir).items():
        r = bits_per_byte(model, tokenizer.encode, eot, [text])
        r["gzip_bits_per_byte"] = gzip_bits_per_byte([text])
        results["samples"][name] = r
        log(f"sample heldout/{name}: {r['bits_per_byte']:.3f} bits/byte")
    return results


def sample_ids(tokenizer_path: str, heldout_dir: str, count: int) -> list[int]:
    """<|endoftext|> then the first tokens of the prose sample: the ONNX parity input."""
    tokenizer, eot = load_tokenizer(tokenizer_path)
    with open(os.path.join(heldout_dir, PROSE_SAMPLE[0]), encoding="utf-8") as f:
        return ([eot] + tokenizer.encode(f.read()))[:count]
