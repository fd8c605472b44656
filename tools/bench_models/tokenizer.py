"""Byte-level BPE tokenizers of real vocabulary sizes, trained once and cut to each size.

BPE merges are ranked, so the first k merges of one training run are themselves a valid BPE: one
run gives both vocabularies (50,257 for GPT-2, 49,152 for SmolLM2). A merge can produce a string an
earlier merge already made (("ab","c") and ("a","bc")), which adds no id, so the run asks for a few
spare merges and each size is cut where its vocabulary is full."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from lib.bpe import ByteLevelBpeTokenizer, train_bytelevel_bpe  # noqa: E402
from lib.tokenizer_json import bytelevel_tokenizer_json  # noqa: E402

EOT = "<|endoftext|>"
SPARE_MERGES = 500


def train(text: str, largest_vocab: int):
    """(byte alphabet vocab, merges) with enough merges for largest_vocab ids."""
    def progress(done, count):
        if done % 10_000 == 0:
            print(f"    {done} merges (pair count {count})", flush=True)
    vocab, merges = train_bytelevel_bpe(text, largest_vocab + SPARE_MERGES, special_tokens=(EOT,),
                                        progress=progress)
    return merges


def cut(merges: list, vocab_size: int):
    """(vocab, merges) holding exactly vocab_size ids: 256 bytes, merges, EOT last."""
    from lib.pretokenize import bytes_to_unicode
    vocab = {symbol: i for i, symbol in enumerate(bytes_to_unicode().values())}
    kept = []
    for left, right in merges:
        if len(vocab) == vocab_size - 1:
            break
        vocab.setdefault(left + right, len(vocab))
        kept.append((left, right))
    if len(vocab) != vocab_size - 1:
        raise SystemExit(f"the corpus gave only {len(vocab) + 1} ids, {vocab_size} wanted")
    vocab[EOT] = len(vocab)
    return vocab, kept


def tokenizer_json(vocab: dict, merges: list) -> dict:
    return bytelevel_tokenizer_json(vocab, merges, (EOT,))


def encoder(vocab: dict, merges: list):
    return ByteLevelBpeTokenizer(vocab, merges).encode
