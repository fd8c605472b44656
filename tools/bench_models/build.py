"""Real-size random-init models for the benchmark (issue 15):
  /usr/bin/python3 tools/bench_models/build.py [--out DIR]   (default bench/.cache/models)
builds DIR/gpt2-small-shape and DIR/smollm2-135m-shape in the Optimum layout. A folder is skipped
when its stamp (recipe version + config) matches; a folder is built under a temporary name and
renamed when complete, so an interrupted build is redone."""
import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import corpus  # noqa: E402
import models  # noqa: E402
import tokenizer  # noqa: E402

RECIPE_VERSION = 1
SEED = 15
STAMP = "bench-model-stamp.json"


def stamp_of(shape) -> dict:
    return {"recipe": RECIPE_VERSION, "seed": SEED, **shape.describe()}


def is_current(folder: str, shape) -> bool:
    try:
        with open(os.path.join(folder, STAMP), encoding="utf-8") as handle:
            return json.load(handle) == json.loads(json.dumps(stamp_of(shape)))
    except (OSError, ValueError):
        return False


def check_tokenizer(folder: str, encode, text: str) -> None:
    """@huggingface/tokenizers (as the engine loads it) gives the Python ids; skipped without node_modules."""
    script = os.path.join(REPO, "tools", "lib", "check_tokenizer.js")
    if not os.path.isdir(os.path.join(REPO, "node_modules", "@huggingface", "tokenizers")):
        print("  (tokenizer check skipped: no node_modules)")
        return
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump([{"text": text, "ids": encode(text)}], handle)
    try:
        subprocess.run(["node", script, os.path.join(folder, "tokenizer.json"), handle.name], check=True)
    finally:
        os.remove(handle.name)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=os.path.join(REPO, "bench", ".cache", "models"))
    out = parser.parse_args().out
    os.makedirs(out, exist_ok=True)
    shapes = [make() for make in models.SHAPES]
    todo = [s for s in shapes if not is_current(os.path.join(out, s.name), s)]
    for s in shapes:
        if s not in todo:
            print(f"{s.name}: up to date")
    if not todo:
        return
    start = time.time()
    print("training the byte-level BPE", flush=True)
    text = corpus.training_text()
    merges = tokenizer.train(text, max(s.vocab_size for s in todo))
    print(f"  {len(text) / 1e6:.0f}M characters, {len(merges)} merges, {time.time() - start:.0f} s", flush=True)
    sample = text[:200_000]
    for shape in todo:
        folder = os.path.join(out, shape.name)
        partial = folder + ".partial"
        shutil.rmtree(partial, ignore_errors=True)
        vocab, kept = tokenizer.cut(merges, shape.vocab_size)
        models.build(shape, partial, tokenizer.tokenizer_json(vocab, kept), SEED)
        encode = tokenizer.encoder(vocab, kept)
        check_tokenizer(partial, encode, sample)
        print(f"  {shape.name}: {len(encode(sample)) / len(sample.encode()):.3f} tokens per byte of the training text")
        with open(os.path.join(partial, STAMP), "w", encoding="utf-8") as handle:
            json.dump(stamp_of(shape), handle, indent=1)
        shutil.rmtree(folder, ignore_errors=True)
        os.rename(partial, folder)
        print(f"{shape.name}: built in {folder} ({time.time() - start:.0f} s so far)", flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"done in {time.time() - start:.0f} s, peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
