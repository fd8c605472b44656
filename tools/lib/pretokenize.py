"""GPT-2 byte-level pre-tokenization, reproduced exactly in Python's `re`.

The JS tokenizer (@huggingface/tokenizers, ByteLevel with use_regex) splits with
  /'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+/gu
Python's `re` has no \\p{..}, and its \\w/\\s differ from JS (\\w also holds No/Nl numbers and `_`;
\\s holds U+001C..U+001F but not U+FEFF). So the classes are built here from unicodedata: L and N
from the general category, whitespace as the JS `\\s` set. Digits stay as runs (` ?\\p{N}+`) because
that is what the ByteLevel pre-tokenizer hard-codes; a single-digit split would need an extra
Split/Digits pre-tokenizer that GPT-2-family tokenizer.json files do not have.
Exact up to Unicode version drift (Python 3.11 = Unicode 14, Node 20 ICU = 15.x): only characters
assigned after Unicode 14 can split differently.
"""
import re
import sys
import unicodedata
from functools import lru_cache

# JS `\s` (ECMAScript WhiteSpace + LineTerminator).
JS_SPACE_CHARS = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008" \
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"


def _class_ranges(predicate) -> str:
    """A regex character-class body (no brackets) for all code points matching predicate."""
    parts = []
    start = None
    for cp in range(sys.maxunicode + 2):
        inside = cp <= sys.maxunicode and predicate(cp)
        if inside and start is None:
            start = cp
        elif not inside and start is not None:
            end = cp - 1
            parts.append(re.escape(chr(start)) if start == end
                         else f"{re.escape(chr(start))}-{re.escape(chr(end))}")
            start = None
    return "".join(parts)


@lru_cache(maxsize=1)
def gpt2_pattern() -> "re.Pattern[str]":
    letters = _class_ranges(lambda cp: unicodedata.category(chr(cp)).startswith("L"))
    numbers = _class_ranges(lambda cp: unicodedata.category(chr(cp)).startswith("N"))
    space = re.escape(JS_SPACE_CHARS)
    pattern = (
        r"'s|'t|'re|'ve|'m|'ll|'d"
        rf"| ?[{letters}]+"
        rf"| ?[{numbers}]+"
        rf"| ?[^{space}{letters}{numbers}]+"
        rf"|[{space}]+(?![^{space}])"
        rf"|[{space}]+"
    )
    return re.compile(pattern)


def gpt2_split(text: str) -> list:
    """Pre-tokens of text, exactly as the JS ByteLevel pre-tokenizer returns them (before byte mapping)."""
    return gpt2_pattern().findall(text)


@lru_cache(maxsize=1)
def bytes_to_unicode() -> dict:
    """GPT-2's reversible byte -> printable character table."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) \
        + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


@lru_cache(maxsize=1)
def unicode_to_bytes() -> dict:
    return {c: b for b, c in bytes_to_unicode().items()}


def to_byte_chars(piece: str) -> str:
    """UTF-8 bytes of piece as GPT-2 byte-alphabet characters."""
    table = bytes_to_unicode()
    return "".join(table[b] for b in piece.encode("utf-8"))


def from_byte_chars(token: str) -> bytes:
    table = unicode_to_bytes()
    return bytes(table[c] for c in token)
