"""The repeated-phrase probe: does the model copy from its context?

The probe is ordinary held-out prose of the training sources (gnu-standards, python-docs,
perl-pod, the Debian handbook and reference: kinds of text the model trains on, from files it
never reads) in which PHRASES lines of 8-15 words each occur twice: once where the document has
them, and once more, verbatim, as an extra line inserted MIN_GAP_TOKENS to MAX_GAP_TOKENS tokens
later (start to start), inside a later paragraph. No phrase occurs anywhere else in the probe.

The ratio (issue 19). The tokens of an occurrence are the tokens whose span overlaps the phrase's
characters [start, end); the first of them is dropped (nothing in the text announces which phrase
comes next, so it is not copyable), and the rest are the phrase's "tokens after its first". For
each phrase, m1 and m2 are the mean NLL of those tokens at the first and at the second occurrence.
ratio = mean over phrases of m2 / mean over phrases of m1. A model that copies from its context
pays far less at the second occurrence (GPT-2 small: a small fraction); a model that does not
scores 1.

Scoring is the engine's (DESIGN.md, src/core/windows.ts): one <|endoftext|> prefix token, windows
of 1024 tokens, stride 512, e_k = min(L + kS, N - 1), s_k = max(0, e_k - L), window k scores the
targets e_{k-1} < m <= e_k. The gap is at most 512 tokens, so every second occurrence has its first
occurrence in context whatever window scores it. NLLs are float32 log-softmax values summed in
float64; the engine test recomputes the ratio from the CLI's per-token NLLs and span offsets.

Files (models/default/probe/): probe-repeats.txt, and probe-repeats.json with each phrase's
character offsets [start, end) in UTF-16 code units (JavaScript string indices) at both
occurrences, its token count after the first token, and the ratio this recipe measured.
"""
from __future__ import annotations

import json
import math
import os
import re

import torch

PHRASES = 32
MIN_WORDS, MAX_WORDS = 8, 15
MIN_GAP_TOKENS, MAX_GAP_TOKENS = 300, 480
# Held-out prose of training sources that is hard-wrapped, so a phrase can be a whole line (the
# handbook and the reference render to one line per paragraph).
PROBE_SOURCES = ("gnu-standards", "python-docs", "perl-pod")
TEXT_NAME, SPANS_NAME = "probe-repeats.txt", "probe-repeats.json"
WINDOW, STRIDE = 1024, 512
PHRASE_LINE = re.compile(r"[A-Za-z][A-Za-z ,;'()-]*[A-Za-z.,]")


def utf16_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-16-le")) // 2


def candidate(line: str) -> str | None:
    """The line's content when it is a plain prose line of MIN_WORDS..MAX_WORDS words."""
    content = line.strip()
    if not PHRASE_LINE.fullmatch(content) or "  " in content:
        return None
    words = content.split(" ")
    if not MIN_WORDS <= len(words) <= MAX_WORDS or sum(len(w) >= 4 for w in words) < 4:
        return None
    return content


def prose_like(line: str) -> bool:
    """A line of running text (not markup, code or a heading)."""
    content = line.strip()
    return bool(re.match(r"[A-Za-z]", content)) and len(content.split()) >= 5 \
        and not re.search(r"[<>{}=|*`#\\]|::|\.\.\.|^[A-Z]{2,} ", content)


def probe_documents(corpus_dir: str) -> dict[str, list[list[str]]]:
    """{source: [lines of each held-out document]} for the probe's sources, in path order."""
    from evaluate_all import heldout_docs
    by_source: dict[str, list[list[str]]] = {}
    for d in heldout_docs(corpus_dir):
        if d["source"] in PROBE_SOURCES:
            by_source.setdefault(d["source"], []).append(d["text"].split("\n"))
    return by_source


def build_text(corpus_dir: str, count_tokens) -> tuple[str, list[dict]]:
    """The probe text and its phrases (Python string indices). count_tokens(str) -> int."""
    by_source = probe_documents(corpus_dir)
    sources = [s for s in PROBE_SOURCES if s in by_source]
    everything = "\n".join("\n".join(lines) for docs in by_source.values() for lines in docs)
    # Words of the training text with whitespace runs as one space: a phrase found there (a
    # licence line, say) could be recalled from training rather than copied from the context.
    with open(os.path.join(corpus_dir, "train.jsonl"), encoding="utf-8") as f:
        training = " ".join(" ".join(json.loads(line)["text"].split()) for line in f)
    cursors = {s: [0, 0] for s in sources}  # (document, line) per source
    out: list[str] = []  # lines of the probe
    phrases: list[dict] = []
    used: set[str] = set()
    turn = 0
    while len(phrases) < PHRASES:
        source = sources[turn % len(sources)]
        turn += 1
        docs = by_source[source]
        doc, line = cursors[source]
        if doc >= len(docs):
            if all(cursors[s][0] >= len(by_source[s]) for s in sources):
                raise SystemExit(f"probe: only {len(phrases)} phrases in the held-out prose")
            continue
        lines = docs[doc]
        # One segment: from a paragraph start up to the end of the paragraph holding the copy.
        segment: list[str] = []
        first = None  # (segment line index, phrase)
        gap = 0
        placed = False
        while line < len(lines):
            text_line = lines[line]
            line += 1
            segment.append(text_line)
            if first is None:
                if not text_line.strip():
                    segment = []  # a segment starts at the paragraph of the first occurrence
                    continue
                phrase = candidate(text_line)
                if phrase and phrase not in used and everything.count(phrase) == 1 \
                        and phrase not in training:
                    first = (len(segment) - 1, phrase, text_line.startswith(" "))
                    gap = count_tokens(text_line[text_line.index(phrase):] + "\n")
                continue
            if not placed:
                gap += count_tokens(text_line + "\n")
                following = lines[line] if line < len(lines) else ""
                if gap > MAX_GAP_TOKENS:
                    first, gap, segment = None, 0, []  # no place for the copy: start afresh
                elif gap >= MIN_GAP_TOKENS and prose_like(text_line) and prose_like(following) \
                        and following.startswith(" ") == first[2]:
                    # The copy goes between two lines of a paragraph, indented as the next one.
                    # Indented or not as the first occurrence, so that its first word is the same
                    # pre-token (" word" after indentation, "word" after a newline).
                    indent = following[:len(following) - len(following.lstrip(" "))]
                    segment.append(indent + first[1])
                    gap += count_tokens(indent + first[1] + "\n")
                    placed = True
                continue
            if not text_line.strip():
                break  # the paragraph holding the copy is complete
        cursors[source] = [doc, line] if line < len(lines) else [doc + 1, 0]
        if not placed:
            continue
        used.add(first[1])
        phrases.append({"segment": segment, "first_line": first[0], "phrase": first[1]})
    # Join the segments and locate both occurrences.
    spans = []
    for p in phrases:
        seg = "\n".join(p["segment"]).strip("\n")
        start = len("\n\n".join(out)) + (2 if out else 0)
        out.append(seg)
        a = seg.index(p["phrase"])
        b = seg.index(p["phrase"], a + len(p["phrase"]))
        spans.append({"phrase": p["phrase"], "first": [start + a, start + a + len(p["phrase"])],
                      "second": [start + b, start + b + len(p["phrase"])]})
    text = "\n\n".join(out) + "\n"
    for s in spans:
        assert text.count(s["phrase"]) == 2, s["phrase"]
    return text, spans


def token_spans(tokenizer, text: str) -> tuple[list[int], list[tuple[int, int]]]:
    """ids of text and each token's [start, end) in Python string indices (byte-level BPE)."""
    from lib.pretokenize import bytes_to_unicode
    decoder = {v: k for k, v in bytes_to_unicode().items()}
    inverse = {i: t for t, i in tokenizer.vocab.items()}
    ids = tokenizer.encode(text)
    byte_to_char = []
    for index, ch in enumerate(text):
        byte_to_char += [index] * len(ch.encode("utf-8"))
    byte_to_char.append(len(text))
    spans, at = [], 0
    for i in ids:
        n = len(inverse[i])  # one byte per symbol of a byte-level token
        assert all(c in decoder for c in inverse[i])
        spans.append((byte_to_char[at], byte_to_char[at + n] if at + n < len(byte_to_char) else len(text)))
        at += n
    assert at == len(text.encode("utf-8"))
    return ids, spans


def plan_windows(total: int, window: int, stride: int) -> list[tuple[int, int, int]]:
    """(start, end, first target) of each window, as src/core/windows.ts planWindows."""
    out, previous_end, k = [], 0, 0
    while previous_end < total - 1:
        end = min(window + k * stride, total - 1)
        out.append((max(0, end - window), end, previous_end + 1))
        previous_end = end
        k += 1
    return out


def token_nlls(model, ids: list[int], prefix_id: int) -> list[float]:
    """NLL (nats) of each token of ids, the engine's windows over [prefix] + ids."""
    seq = [prefix_id] + ids
    nll = [0.0] * len(ids)
    model.eval()
    with torch.no_grad():
        for start, end, first in plan_windows(len(seq), WINDOW, STRIDE):
            # feed t[start, end): logits at input position m - 1 predict t[m], m in [first, end]
            chunk = torch.tensor([seq[start:end]], dtype=torch.long)
            logits, _ = model(chunk)
            logp = torch.log_softmax(logits[0], dim=-1).double()
            for m in range(first, end + 1):
                if m - 1 - start < logp.shape[0] and m < len(seq):
                    nll[m - 1] = -float(logp[m - 1 - start, seq[m]])
    return nll


def occurrence_tokens(spans: list[tuple[int, int]], start: int, end: int) -> list[int]:
    """Indices of the tokens overlapping [start, end), in order."""
    return [i for i, (s, e) in enumerate(spans) if s < end and e > start]


def ratio_of(per_phrase: list[dict]) -> float:
    return (sum(p["second_mean_nll"] for p in per_phrase)
            / sum(p["first_mean_nll"] for p in per_phrase))


def measure(model, tokenizer, eot: int, text: str, phrases: list[dict]) -> dict:
    ids, spans = token_spans(tokenizer, text)
    nll = token_nlls(model, ids, eot)
    rows = []
    for p in phrases:
        t1 = occurrence_tokens(spans, *p["first"])[1:]
        t2 = occurrence_tokens(spans, *p["second"])[1:]
        assert [ids[i] for i in t1] == [ids[i] for i in t2], p["phrase"]
        gap = occurrence_tokens(spans, *p["second"])[0] - occurrence_tokens(spans, *p["first"])[0]
        assert MIN_GAP_TOKENS - 60 <= gap <= 512 - 1, (p["phrase"], gap)
        rows.append({"phrase": p["phrase"], "tokens_after_first": len(t1), "gap_tokens": gap,
                     "first_mean_nll": sum(nll[i] for i in t1) / len(t1),
                     "second_mean_nll": sum(nll[i] for i in t2) / len(t2)})
    return {"ratio": ratio_of(rows), "tokens": len(ids), "phrases": rows,
            "first_mean_nll": sum(r["first_mean_nll"] for r in rows) / len(rows),
            "second_mean_nll": sum(r["second_mean_nll"] for r in rows) / len(rows)}


def build(corpus_dir: str, tokenizer) -> tuple[str, list[dict]]:
    """The probe, its gaps counted with this tokenizer."""
    return build_text(corpus_dir, lambda s: len(tokenizer.encode(s)))


def write(out_dir: str, text: str, phrases: list[dict], result: dict | None) -> None:
    """probe-repeats.txt, and probe-repeats.json: phrase offsets in UTF-16 code units and the
    recipe's measurement."""
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, TEXT_NAME), "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    rows = []
    for i, p in enumerate(phrases):
        row = {"phrase": p["phrase"],
               "first": [utf16_offset(text, p["first"][0]), utf16_offset(text, p["first"][1])],
               "second": [utf16_offset(text, p["second"][0]), utf16_offset(text, p["second"][1])]}
        if result:
            r = result["phrases"][i]
            row.update({"tokensAfterFirst": r["tokens_after_first"], "gapTokens": r["gap_tokens"],
                        "firstMeanNll": round(r["first_mean_nll"], 6),
                        "secondMeanNll": round(r["second_mean_nll"], 6)})
        rows.append(row)
    document = {
        "convention": ("ratio = mean over phrases of (mean NLL of the phrase's tokens after its first,"
                       " second occurrence) / mean over phrases of (the same, first occurrence); the"
                       " tokens of an occurrence are those overlapping [start, end) (UTF-16 code"
                       " units); scoring: one <|endoftext|> prefix, window 1024, stride 512"),
        "ratio": round(result["ratio"], 6) if result else None,
        "firstMeanNll": round(result["first_mean_nll"], 6) if result else None,
        "secondMeanNll": round(result["second_mean_nll"], 6) if result else None,
        "tokens": result["tokens"] if result else None,
        "phrases": rows,
    }
    with open(os.path.join(out_dir, SPANS_NAME), "w", encoding="utf-8") as f:
        json.dump(document, f, indent=1, ensure_ascii=False)
        f.write("\n")


def read(probe_dir: str) -> tuple[str, list[dict]]:
    """The committed probe with phrase offsets back in Python string indices."""
    with open(os.path.join(probe_dir, TEXT_NAME), encoding="utf-8", newline="") as f:
        text = f.read()
    with open(os.path.join(probe_dir, SPANS_NAME), encoding="utf-8") as f:
        spans = json.load(f)["phrases"]
    units = [0]
    for ch in text:
        units.append(units[-1] + (2 if ord(ch) > 0xFFFF else 1))
    index = {u: i for i, u in enumerate(units)}
    return text, [{"phrase": s["phrase"], "first": [index[s["first"][0]], index[s["first"][1]]],
                   "second": [index[s["second"][0]], index[s["second"][1]]]} for s in spans]


def ratio_from_records(tokens: list[dict], phrases: list[dict]) -> float:
    """The ratio from the CLI's per-token records (start, end in UTF-16 code units; nll)."""
    def mean(start: int, end: int) -> float:
        inside = [t["nll"] for t in tokens if t["start"] < end and t["end"] > start][1:]
        return math.fsum(inside) / len(inside)
    return (math.fsum(mean(*p["second"]) for p in phrases)
            / math.fsum(mean(*p["first"]) for p in phrases))


if __name__ == "__main__":
    # /usr/bin/python3 tools/default_model/probe.py CHECKPOINT.pt TOKENIZER.json PROBE_DIR
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    from evaluate_all import load_tokenizer
    import train
    model = train.load_model(sys.argv[1])
    tokenizer, eot = load_tokenizer(sys.argv[2])
    text, phrases = read(sys.argv[3])
    r = measure(model, tokenizer, eot, text, phrases)
    print(json.dumps({k: v for k, v in r.items() if k != "phrases"}))
