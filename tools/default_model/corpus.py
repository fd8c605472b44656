"""Assemble the training corpus and the held-out split from the sources in sources.py.

Held-out documents are whole files. They are read first, and every paragraph of theirs is
banned from training, so a copy of a held-out file elsewhere (vendored modules, docs quoting
code) cannot leak into training. Training documents are also deduplicated by content and by
long paragraph (licence headers, boilerplate).

Output (in the cache dir): train.jsonl, heldout.jsonl, manifest.json.
"""
from __future__ import annotations

import hashlib
import html.parser
import json
import os
import random
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor

from sources import Source, iter_sources, open_text

MIN_DOC_CHARS = 200
MIN_PARA_CHARS = 100  # shorter paragraphs repeat legitimately ("return None", "Example:")
PIECE_CHARS = 16_000


class HtmlText(html.parser.HTMLParser):
    """Visible text of an HTML page with block elements on their own lines."""

    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "dt",
              "dd", "table", "section", "blockquote", "title"}
    SKIP = {"script", "style", "head", "nav"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0
        self.pre_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skip_depth += 1
        if tag == "pre":
            self.pre_depth += 1
        if tag in self.BLOCKS:
            self.parts.append("\n\n" if tag in ("p", "pre", "h1", "h2", "h3", "h4") else "\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
        if tag == "pre":
            self.pre_depth = max(0, self.pre_depth - 1)
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if self.skip_depth:
            return
        self.parts.append(data if self.pre_depth else re.sub(r"\s+", " ", data))

    def text(self) -> str:
        joined = "".join(self.parts)
        lines = [line.rstrip() for line in joined.split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(l if l.strip() else "" for l in lines)).strip()


def html_to_text(source: str) -> str:
    parser = HtmlText()
    parser.feed(source)
    return parser.text()


def render_man(path: str) -> str:
    """A man page as plain UTF-8 text: groff with tbl, no SGR/overstrike escapes."""
    cat = ["zcat", path] if path.endswith(".gz") else ["cat", path]
    try:
        src = subprocess.run(cat, capture_output=True, timeout=20, check=True).stdout
        out = subprocess.run(["groff", "-t", "-mandoc", "-Tutf8", "-rLL=78n", "-P-cbou"],
                             input=src, capture_output=True, timeout=30,
                             env={**os.environ, "LC_ALL": "C.UTF-8"})
    except (subprocess.SubprocessError, OSError):
        return ""
    return out.stdout.decode("utf-8", errors="replace")


def read_documents(src: Source, path: str) -> list[str]:
    """One file -> the documents it holds (a fortune file holds many short ones)."""
    try:
        if src.reader == "man":
            return [render_man(path)]
        text = open_text(path)
    except (UnicodeDecodeError, OSError):
        return []  # non-UTF-8 files are skipped rather than guessed at
    if src.reader == "html":
        return [html_to_text(text)]
    if src.reader == "fortune":
        # Group cookies into documents of ~2 KB so each has context but files stay whole.
        cookies = [c.strip("\n") for c in text.split("\n%\n") if c.strip()]
        docs, cur = [], []
        for cookie in cookies:
            cur.append(cookie)
            if sum(len(c) for c in cur) > 2000:
                docs.append("\n\n".join(cur))
                cur = []
        if cur:
            docs.append("\n\n".join(cur))
        return docs
    return [text]


def clean(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    text = re.sub(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text)
    return text.strip("\n") + "\n"


def key(text: str) -> str:
    return hashlib.sha1(re.sub(r"\s+", " ", text).strip().encode()).hexdigest()


def paragraphs(text: str) -> list[str]:
    return re.split(r"\n[ \t]*\n", text)


def pieces(text: str, target: int = PIECE_CHARS) -> list[str]:
    """A long training document cut at paragraph ends into pieces of about target characters,
    so one big file (the Jargon File, a long manual) cannot fill the head of the stream."""
    if len(text) <= 2 * target:
        return [text]
    out, cur, size = [], [], 0
    for p in paragraphs(text):
        cur.append(p)
        size += len(p) + 2
        if size >= target:
            out.append("\n\n".join(cur))
            cur, size = [], 0
    if cur:
        out.append("\n\n".join(cur))
    return out


def collect(src: Source) -> list[dict]:
    files = src.files()
    with ThreadPoolExecutor(max_workers=2) as pool:
        per_file = list(pool.map(lambda p: (p, read_documents(src, p)), files))
    docs = []
    for path, texts in per_file:
        split = "heldout" if src.heldout(path) else "train"
        for i, text in enumerate(texts):
            text = clean(text)
            if len(text) >= MIN_DOC_CHARS:
                docs.append({"source": src.name, "kind": src.kind, "path": path, "part": i,
                             "split": split, "text": text})
    return docs


def build(cache_dir: str, seed: int = 1234, log=print) -> dict:
    os.makedirs(cache_dir, exist_ok=True)
    all_docs: list[dict] = []
    for src in iter_sources():
        docs = collect(src)
        log(f"corpus: {src.name}: {len(docs)} documents")
        all_docs += docs

    heldout = [d for d in all_docs if d["split"] == "heldout"]
    banned = {key(p) for d in heldout for p in paragraphs(d["text"]) if len(p) >= MIN_PARA_CHARS}
    seen_docs = {key(d["text"]) for d in heldout}
    train, dropped_paras = [], 0
    caps = {s.name: s.train_cap_bytes for s in iter_sources()}
    used: dict[str, int] = {}
    rng = random.Random(seed)
    candidates = [d for d in all_docs if d["split"] == "train"]
    rng.shuffle(candidates)  # caps then keep a random subset, not the alphabetical first files
    for d in candidates:
        k = key(d["text"])
        if k in seen_docs:
            continue
        seen_docs.add(k)
        kept = []
        for p in paragraphs(d["text"]):
            pk = key(p) if len(p) >= MIN_PARA_CHARS else None
            if pk is not None and pk in banned:
                dropped_paras += 1
                continue
            if pk is not None:
                banned.add(pk)  # later copies of this paragraph are dropped too
            kept.append(p)
        text = "\n\n".join(kept)
        if len(text) < MIN_DOC_CHARS:
            continue
        cap = caps[d["source"]]
        size = len(text.encode())
        if cap and used.get(d["source"], 0) + size > cap:
            continue
        used[d["source"]] = used.get(d["source"], 0) + size
        for part, piece in enumerate(pieces(text)):
            train.append({**d, "part": (d["part"], part), "text": piece})

    manifest = {"seed": seed, "dropped_duplicate_paragraphs": dropped_paras, "sources": {}}
    for split, docs in (("train", train), ("heldout", heldout)):
        path = os.path.join(cache_dir, f"{split}.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            for d in docs:
                f.write(json.dumps(d, ensure_ascii=False) + "\n")
        for d in docs:
            s = manifest["sources"].setdefault(d["source"], {})
            e = s.setdefault(split, {"documents": 0, "bytes": 0, "files": set()})
            e["documents"] += 1
            e["bytes"] += len(d["text"].encode())
            e["files"].add(d["path"])
    for s in manifest["sources"].values():
        for e in s.values():
            e["files"] = len(e["files"])
    with open(os.path.join(cache_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    log(f"corpus: train {len(train)} docs {sum(len(d['text'].encode()) for d in train)/1e6:.1f} MB, "
        f"heldout {len(heldout)} docs, {dropped_paras} paragraphs dropped as duplicates")
    return manifest


if __name__ == "__main__":
    import sys
    build(sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(__file__), "..", ".cache", "default_model", "corpus"))
