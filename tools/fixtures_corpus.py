"""Training text and reference texts for the test fixtures.

The training corpus is text every Debian machine with python3.11 has: the licence texts (English
prose) and the top-level standard-library modules (code with English comments), in sorted path
order, cut at a fixed size. Its SHA-256 is written to the manifest so a rebuild on another machine
can tell whether it saw the same text.
"""
import glob
import hashlib

CORPUS_CHARS = 2_000_000


def training_corpus() -> str:
    paths = sorted(glob.glob("/usr/share/common-licenses/*")) + sorted(glob.glob("/usr/lib/python3.11/*.py"))
    parts = []
    size = 0
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
        parts.append(text)
        size += len(text)
        if size >= CORPUS_CHARS:
            break
    return "".join(parts)[:CORPUS_CHARS]


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# The short texts fit in 64 byte-level tokens of the gpt2 fixture, so each is one forward pass.
ENGLISH = "The quick brown fox jumps over the lazy dog, and the model is surprised."

CODE = ("def mean(values):\n"
        "    return sum(values) / len(values)\n")

# CRLF, e + combining acute vs precomposed, a surrogate pair, an emoji ZWJ sequence, NBSP, tab.
UNICODE = ("a\r\nb cafe\u0301 caf\u00e9 \U0001D518 \U0001F469\u200d\U0001F469\u200d\U0001F467"
           "\tx\u00a0y")

# Wider scripts and more emoji; longer than 64 byte-level tokens.
UNICODE_WIDE = ("line one\r\nline two\r\n\U0001D518\U0001D52B\U0001D526 math letters, smile "
                "\U0001F600, \u65e5\u672c\u8a9e, \u0395\u03bb\u03bb\u03ac\u03b4\u03b1.\n")

SPECIAL_STRINGS = "end <|endoftext|> then <s> start </s> <unk> too"

LONG_PARAGRAPH = (
    "Permission is hereby granted, free of charge, to any person obtaining a copy of this "
    "software and associated documentation files, to deal in the software without restriction, "
    "including without limitation the rights to use, copy, modify, merge, publish, distribute, "
    "sublicense, and sell copies of the software, and to permit persons to whom the software is "
    "furnished to do so, subject to the following conditions. ")


def long_text(encode, min_tokens: int) -> str:
    """Repeats varied lines until the encoder gives at least min_tokens tokens."""
    lines = []
    index = 0
    while True:
        lines.append(f"{index}. {LONG_PARAGRAPH}" if index % 2 == 0 else
                     f"    value_{index} = compute({index}, 'item')  # step {index}\n")
        text = "".join(lines)
        if len(encode(text)) >= min_tokens:
            return text
        index += 1


def reference_texts(encode, context: int) -> dict:
    """name -> text. 'long' holds more than 3x the context in tokens."""
    return {"english": ENGLISH, "code": CODE, "unicode": UNICODE, "unicode_wide": UNICODE_WIDE,
            "special_strings": SPECIAL_STRINGS, "empty": "",
            "long": long_text(encode, 3 * context + 5)}
