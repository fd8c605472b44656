"""Document encoders and token spans for a model folder's tokenizer.json (the two BPE layouts the
fixtures and the default model use: GPT-2 byte-level, and SentencePiece-style Metaspace with byte
fallback).

token_spans follows DESIGN.md "Offsets": each token's bytes are laid end to end over the text's
UTF-8 (a leading "▁" that Metaspace prepended is dropped first); a character belongs to the token
holding its first byte; spans are [start, end) in UTF-16 code units; a token holding part of a
multi-byte character is partial, and a token left with no whole character has start == end (at
the end of the previous token's span).
"""
import json
import os

from .bpe import ByteLevelBpeTokenizer
from .pretokenize import from_byte_chars
from .sentencepiece import SentencePieceBpeTokenizer

SPACE = "\u2581"


class FolderTokenizer:
    """encode(text) -> ids (special-token strings stay plain text, no BOS added);
    token_bytes[id] -> the bytes the token stands for; prepends_space: Metaspace adds a "▁"."""

    def __init__(self, folder: str):
        with open(os.path.join(folder, "tokenizer.json"), encoding="utf-8") as handle:
            document = json.load(handle)
        model = document["model"]
        vocab = model["vocab"]
        merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in model["merges"]]
        pre = (document.get("pre_tokenizer") or {}).get("type")
        self.id_to_token = {i: t for t, i in vocab.items()}
        if pre == "ByteLevel":
            self._encoder = ByteLevelBpeTokenizer(vocab, merges)
            self.prepends_space = False
            self.token_bytes = {i: from_byte_chars(t) for i, t in self.id_to_token.items()}
        elif pre == "Metaspace" and model.get("byte_fallback"):
            self._encoder = SentencePieceBpeTokenizer(vocab, merges)
            self.prepends_space = True
            self.token_bytes = {i: _metaspace_bytes(t) for i, t in self.id_to_token.items()}
        else:
            raise ValueError(f"unsupported tokenizer layout in {folder}")
        for added in document.get("added_tokens", []):
            self.token_bytes[added["id"]] = added["content"].encode("utf-8")

    def encode(self, text: str) -> list:
        return self._encoder.encode(text)


def _metaspace_bytes(token: str) -> bytes:
    if len(token) == 6 and token.startswith("<0x") and token.endswith(">"):
        return bytes([int(token[3:5], 16)])
    return token.replace(SPACE, " ").encode("utf-8")


def token_spans(tokenizer: FolderTokenizer, text: str, ids: list) -> list:
    """[{byteStart, byteEnd, start, end, partial}] per token (bytes of the text's UTF-8)."""
    utf8 = text.encode("utf-8")
    lengths = [len(tokenizer.token_bytes[i]) for i in ids]
    surplus = sum(lengths) - len(utf8)
    if surplus == 1 and tokenizer.prepends_space and ids and tokenizer.token_bytes[ids[0]][:1] == b" ":
        lengths[0] -= 1  # the "▁" Metaspace prepended belongs to no character
    elif surplus != 0:
        raise ValueError(f"token bytes ({sum(lengths)}) do not cover the text ({len(utf8)} bytes)")
    # character table: UTF-8 start byte and UTF-16 start of every character
    char_byte, char_utf16 = [], []
    byte, unit = 0, 0
    for ch in text:
        char_byte.append(byte)
        char_utf16.append(unit)
        byte += len(ch.encode("utf-8"))
        unit += 2 if ord(ch) > 0xFFFF else 1
    char_byte.append(byte)
    char_utf16.append(unit)
    boundaries = set(char_byte)
    spans = []
    cursor = 0  # next character not yet attributed
    byte_start = 0
    for length in lengths:
        byte_end = byte_start + length
        first = cursor
        while cursor < len(text) and char_byte[cursor] < byte_end:
            cursor += 1
        start, end = char_utf16[first], char_utf16[cursor]
        boundary_start = byte_start in boundaries
        boundary_end = byte_end in boundaries
        spans.append({"byteStart": byte_start, "byteEnd": byte_end, "start": start, "end": end,
                      "partial": not (boundary_start and boundary_end)})
        byte_start = byte_end
    return spans
