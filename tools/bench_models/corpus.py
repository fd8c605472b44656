"""Tokenizer training text for the benchmark models: English prose and code that every Debian
machine of the project's image has (the licence texts, the Python reference docs as reST, git's
manual pages as text, the Python standard library). Prose and code are interleaved file by file so
the size cap does not drop one kind. Only token lengths matter (tokens per byte drive the cost), so
a different machine's text is fine."""
import glob

CORPUS_CHARS = 24_000_000


def _paths() -> tuple:
    prose = sorted(glob.glob("/usr/share/common-licenses/*"))
    prose += sorted(glob.glob("/usr/share/doc/python3*/html/_sources/**/*.txt", recursive=True))
    prose += sorted(glob.glob("/usr/share/doc/git-doc/*.txt"))
    code = sorted(glob.glob("/usr/lib/python3.*/**/*.py", recursive=True))
    return prose, code


def training_text(limit: int = CORPUS_CHARS) -> str:
    prose, code = _paths()
    order = [p for pair in zip(prose, code) for p in pair] + prose[len(code):] + code[len(prose):]
    parts, size = [], 0
    for path in order:
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except (OSError, UnicodeDecodeError):
            continue
        parts.append(text)
        size += len(text)
        if size >= limit:
            break
    if size < limit // 4:
        raise SystemExit(f"only {size} characters of training text found on this machine")
    return "".join(parts)[:limit]
