"""Train the byte-level BPE tokenizer on the training split and encode a token stream.

The tokenizer sees training documents only (the head of the weighted order, like the model). The
stream is the training documents in a seeded weighted random order, each followed by
<|endoftext|>, as uint16 ids in train_tokens.bin.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import random
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from lib.bpe import ByteLevelBpeTokenizer, train_bytelevel_bpe, write_bytelevel_tokenizer_json  # noqa: E402

EOT = "<|endoftext|>"


def read_jsonl(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def shuffled_train_docs(corpus_dir: str, seed: int) -> list[dict]:
    """Training documents in a seeded weighted random order (Efraimidis-Spirakis: key u^(1/w)),
    so any head of the order holds each source in proportion to weight x size."""
    from sources import SOURCES
    weights = {s.name: s.weight for s in SOURCES}
    docs = read_jsonl(os.path.join(corpus_dir, "train.jsonl"))
    rng = random.Random(seed)
    keyed = [(rng.random() ** (1.0 / weights[d["source"]]), i) for i, d in enumerate(docs)]
    return [docs[i] for _key, i in sorted(keyed, reverse=True)]


def train_tokenizer(corpus_dir: str, out_path: str, vocab_size: int, seed: int,
                    sample_bytes: int, log=print) -> tuple[dict, list]:
    """BPE over a seeded sample of training documents (sample_bytes of text)."""
    docs = shuffled_train_docs(corpus_dir, seed)
    parts, size = [], 0
    for d in docs:
        if size >= sample_bytes:
            break
        parts.append(d["text"])
        size += len(d["text"].encode())
    start = time.time()
    vocab, merges = train_bytelevel_bpe("\n".join(parts), vocab_size, special_tokens=(EOT,),
                                        processes=2)
    assert len(vocab) == vocab_size, f"BPE stopped early at {len(vocab)} tokens"
    write_bytelevel_tokenizer_json(out_path, vocab, merges, special_tokens=(EOT,))
    log(f"tokenizer: {vocab_size} tokens from {size / 1e6:.1f} MB in {time.time() - start:.0f} s")
    return vocab, merges


_encoder: ByteLevelBpeTokenizer | None = None


def _init_worker(vocab: dict, merges: list) -> None:
    global _encoder
    _encoder = ByteLevelBpeTokenizer(vocab, merges)


def _encode(text: str) -> list:
    assert _encoder is not None
    return _encoder.encode(text)


def encode_stream(corpus_dir: str, out_path: str, vocab: dict, merges: list, seed: int,
                  max_tokens: int, log=print) -> dict:
    """Encodes shuffled training documents until max_tokens ids; returns stream statistics."""
    docs = shuffled_train_docs(corpus_dir, seed)
    eot = vocab[EOT]
    ids: list[int] = []
    used_bytes, used_docs = 0, 0
    per_source: dict[str, int] = {}
    start = time.time()
    with multiprocessing.Pool(2, _init_worker, (vocab, merges)) as pool:
        batch = 64
        for i in range(0, len(docs), batch):
            chunk = docs[i:i + batch]
            for d, encoded in zip(chunk, pool.map(_encode, [d["text"] for d in chunk])):
                ids += encoded
                ids.append(eot)
                used_bytes += len(d["text"].encode())
                used_docs += 1
                per_source[d["source"]] = per_source.get(d["source"], 0) + len(encoded) + 1
            if len(ids) >= max_tokens:
                break
    array = np.asarray(ids[:max_tokens], dtype=np.uint16)
    array.tofile(out_path)
    stats = {"tokens": int(array.size), "documents": used_docs, "bytes": used_bytes,
             "bytes_per_token": used_bytes / max(1, len(ids)), "tokens_per_source": per_source}
    log(f"stream: {array.size} tokens from {used_docs} documents ({used_bytes / 1e6:.1f} MB, "
        f"{stats['bytes_per_token']:.2f} bytes/token) in {time.time() - start:.0f} s")
    return stats
