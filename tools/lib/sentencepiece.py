"""SentencePiece-style tokenizers as tokenizer.json (Llama 2 layout without the legacy normalizer):
Metaspace pre-tokenizer (replacement "▁", prepend_scheme "first", split false), BPE with
byte_fallback and <0x00>..<0xFF> tokens, or Unigram. Encoders here mirror @huggingface/tokenizers
0.2.0, which is what the extension runs:
- Metaspace there never splits: the whole text is one word, " " -> "▁", and "▁" is prepended
  unless the text already starts with it.
- Unigram there has no byte fallback; a run of unknown code points becomes one <unk>
  (fuse_unk, as in the Rust library).
"""
import math
import re
from collections import Counter

from .bpe import BpeModel, train_bpe
from .tokenizer_json import added_token

SPACE = "\u2581"
SPECIALS = ("<unk>", "<s>", "</s>")
BYTE_TOKENS = tuple(f"<0x{b:02X}>" for b in range(256))


def metaspace(text: str) -> str:
    replaced = text.replace(" ", SPACE)
    return replaced if replaced.startswith(SPACE) else SPACE + replaced


def _alphabet(text: str, size: int) -> list:
    """The most frequent characters (no whitespace but "▁"); the rest go to byte fallback."""
    counts = Counter(metaspace(text))
    chars = [c for c, _ in counts.most_common() if not c.isspace()]
    return sorted(chars[:size])


def train_sentencepiece_bpe(text: str, vocab_size: int, alphabet_size: int = 90):
    """Returns (vocab {piece: id}, merges). Ids: <unk> <s> </s>, 256 byte tokens, alphabet, merges."""
    alphabet = _alphabet(text, alphabet_size)
    allowed = set(alphabet)
    words = Counter()
    for piece in re.findall(f"{SPACE}?[^{SPACE}\\s]+|{SPACE}+", metaspace(text)):
        for run in re.split(r"[^" + re.escape("".join(allowed)) + "]+", piece):
            if run:
                words[tuple(run)] += 1
    fixed = len(SPECIALS) + len(BYTE_TOKENS) + len(alphabet)
    merges = train_bpe(words, alphabet, vocab_size - fixed)
    vocab = {}
    for token in SPECIALS + BYTE_TOKENS + tuple(alphabet):
        vocab[token] = len(vocab)
    for left, right in merges:
        vocab.setdefault(left + right, len(vocab))
    return vocab, merges


class SentencePieceBpeTokenizer:
    def __init__(self, vocab: dict, merges: list):
        self.vocab = vocab
        self.model = BpeModel(vocab, merges)

    def encode(self, text: str) -> list:
        if text == "":
            return []
        ids = []
        for piece in self.model.split(metaspace(text)):
            if piece in self.vocab:
                ids.append(self.vocab[piece])
            else:
                ids.extend(self.vocab[f"<0x{b:02X}>"] for b in piece.encode("utf-8"))
        return ids


def _common_parts(vocab_list) -> dict:
    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [added_token(i, t) for i, t in enumerate(vocab_list[:3])],
        "normalizer": None,
        "pre_tokenizer": {"type": "Metaspace", "replacement": SPACE, "prepend_scheme": "first",
                          "split": False},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                       {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "<s>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}},
        },
        "decoder": {"type": "Sequence", "decoders": [
            {"type": "Replace", "pattern": {"String": SPACE}, "content": " "},
            {"type": "ByteFallback"}, {"type": "Fuse"},
            {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
    }


def sentencepiece_bpe_tokenizer_json(vocab: dict, merges: list) -> dict:
    document = _common_parts(list(vocab))
    document["model"] = {"type": "BPE", "dropout": None, "unk_token": "<unk>",
                         "continuing_subword_prefix": None, "end_of_word_suffix": None,
                         "fuse_unk": True, "byte_fallback": True, "ignore_merges": False,
                         "vocab": vocab, "merges": [[a, b] for a, b in merges]}
    return document


def unigram_from_bpe(text: str, vocab: dict, merges: list):
    """A Unigram vocabulary [(piece, log p)] from the BPE pieces' frequencies on text (byte
    tokens dropped: the JS Unigram model has no byte fallback). Specials score 0.0 as in
    converted SentencePiece models."""
    encoder = BpeModel(vocab, merges)
    counts = Counter()
    for line in text.splitlines():
        if line:
            counts.update(encoder.split(metaspace(line)))
    pieces = [p for p in vocab if p not in SPECIALS and p not in BYTE_TOKENS]
    total = sum(counts[p] + 1 for p in pieces)
    scored = [(p, math.log((counts[p] + 1) / total)) for p in pieces]
    return [(s, 0.0) for s in SPECIALS] + scored


class UnigramTokenizer:
    """Viterbi over code points, tie-breaking exactly as the JS TokenLattice (first best wins;
    candidates ending at a position are visited by start position ascending)."""

    def __init__(self, pieces: list, unk_id: int = 0):
        self.ids = {p: i for i, (p, _) in enumerate(pieces)}
        self.scores = [s for _, s in pieces]
        self.unk_id = unk_id
        self.unk_score = min(self.scores) - 10.0
        self.scores[unk_id] = self.unk_score
        self.max_len = max(len(p) for p, _ in pieces)

    def encode(self, text: str) -> list:
        if text == "":
            return []
        chars = metaspace(text)
        n = len(chars)
        best = [(0.0, None, None)] + [None] * n  # (score, start, token id)
        for end in range(1, n + 1):
            for start in range(max(0, end - self.max_len), end):
                if best[start] is None:
                    continue
                piece = chars[start:end]
                token = self.ids.get(piece)
                if token is None and end - start == 1:
                    token = self.unk_id
                if token is None:
                    continue
                score = best[start][0] + self.scores[token]
                if best[end] is None or score > best[end][0]:
                    best[end] = (score, start, token)
        ids = []
        end = n
        while end > 0:
            _, start, token = best[end]
            ids.append(token)
            end = start
        ids.reverse()
        return [t for i, t in enumerate(ids) if not (t == self.unk_id and i > 0 and ids[i - 1] == self.unk_id)]


def unigram_tokenizer_json(pieces: list) -> dict:
    document = _common_parts([p for p, _ in pieces])
    document["model"] = {"type": "Unigram", "unk_id": 0, "byte_fallback": False,
                         "vocab": [[p, s] for p, s in pieces]}
    return document
