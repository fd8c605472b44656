#!/usr/bin/python3
"""Build models/default/ from nothing: corpus -> tokenizer -> training -> evaluation -> export.

  /usr/bin/python3 tools/default_model/build.py                 # the whole recipe (~50 min)
  /usr/bin/python3 tools/default_model/build.py --random-init DIR   # untrained twin of the model

Intermediate data goes to tools/.cache/default_model/ (git-ignored). Everything is seeded; the
training length is a number of steps (see train.py), so a rebuild on a loaded machine takes longer
but trains the same model.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO, "tools"))

import torch  # noqa: E402

from lib.gpt2 import Gpt2Config  # noqa: E402
from lib.llama import LlamaConfig  # noqa: E402

VOCAB_SIZE = 8192
# family "gpt2" (learned positions) or "llama" (RoPE, SwiGLU, RMSNorm; LM head tied as in GPT-2)
ARCH = dict(family="gpt2", layers=4, width=192, heads=4, context=1024, intermediate=512,
            rope_theta=10000.0)
SEED = 1234
BPE_SAMPLE_BYTES = 25_000_000
STREAM_TOKENS = 25_000_000  # about the whole training split


def model_config(arch: dict = ARCH):
    eot = VOCAB_SIZE - 1  # the trainer puts the one special token last
    if arch["family"] == "llama":
        return LlamaConfig(vocab_size=VOCAB_SIZE, hidden_size=arch["width"],
                           intermediate_size=arch["intermediate"], num_hidden_layers=arch["layers"],
                           num_attention_heads=arch["heads"], num_key_value_heads=arch["heads"],
                           head_dim=arch["width"] // arch["heads"],
                           max_position_embeddings=arch["context"], rope_theta=arch["rope_theta"],
                           bos_token_id=eot, eos_token_id=eot, tie_word_embeddings=True)
    return Gpt2Config(vocab_size=VOCAB_SIZE, bos_token_id=eot, eos_token_id=eot,
                      n_positions=arch["context"], n_embd=arch["width"], n_layer=arch["layers"],
                      n_head=arch["heads"])


def log_to(path: str):
    handle = open(path, "a", encoding="utf-8")

    def log(message: str) -> None:
        line = f"[{time.strftime('%H:%M:%S')}] {message}"
        print(line, flush=True)
        handle.write(line + "\n")
        handle.flush()
    return log


def build(out_dir: str, cache: str, steps: int, note: str = "", from_stream: bool = False,
          workers: int = 1) -> None:
    import train

    os.makedirs(cache, exist_ok=True)
    log = log_to(os.path.join(cache, "build.log"))
    t0 = time.time()
    if from_stream:
        with open(os.path.join(cache, "prep.json")) as f:
            stats = json.load(f)
        stats.update({"arch": ARCH, "threads": torch.get_num_threads() if workers == 1 else 1,
                      "machine_note": note})
        t0 -= stats["timings"]["corpus_s"] + stats["timings"]["tokenizer_s"]
    else:
        stats = prepare(cache, note, log)
    stream_path = os.path.join(cache, "train_tokens.bin")
    t2 = time.time()
    checkpoint = os.path.join(cache, "model.pt")
    schedule = train.Schedule(steps=steps)
    stats["schedule"] = schedule.__dict__
    stats["training"] = train.train(stream_path, model_config(), schedule, SEED, checkpoint,
                                    log=log, workers=workers,
                                    log_file=os.path.join(cache, "build.log"))
    stats["timings"]["training_s"] = time.time() - t2
    with open(os.path.join(cache, "build.json"), "w") as f:
        json.dump(stats, f, indent=1)
    finish(out_dir, cache, stats, log, started=t0)


def prepare(cache: str, note: str, log) -> dict:
    """Corpus, tokenizer and token stream; their statistics also go to prep.json."""
    import corpus
    import tokenize_corpus

    stats: dict = {"seed": SEED, "arch": ARCH, "vocab_size": VOCAB_SIZE, "timings": {},
                   "threads": torch.get_num_threads(), "machine_note": note}
    t0 = time.time()
    corpus_dir = os.path.join(cache, "corpus")
    stats["corpus"] = corpus.build(corpus_dir, seed=SEED, log=log)
    stats["timings"]["corpus_s"] = time.time() - t0

    t1 = time.time()
    tokenizer_path = os.path.join(cache, "tokenizer.json")
    vocab, merges = tokenize_corpus.train_tokenizer(corpus_dir, tokenizer_path, VOCAB_SIZE, SEED,
                                                    BPE_SAMPLE_BYTES, log=log)
    stream_path = os.path.join(cache, "train_tokens.bin")
    stats["stream"] = tokenize_corpus.encode_stream(corpus_dir, stream_path, vocab, merges, SEED,
                                                    STREAM_TOKENS, log=log)
    stats["timings"]["tokenizer_s"] = time.time() - t1
    with open(os.path.join(cache, "prep.json"), "w") as f:
        json.dump(stats, f, indent=1)
    return stats


def finish(out_dir: str, cache: str, stats: dict, log, started: float) -> None:
    """Evaluate, export, verify in onnxruntime-node, and write the documentation."""
    import evaluate_all
    import probe
    import readme
    import train
    from model_files import write_model_folder

    t3 = time.time()
    model = train.load_model(os.path.join(cache, "model.pt"))
    stats["parameters"] = sum(p.numel() for p in model.parameters())
    stats["heldout"] = evaluate_all.evaluate(model, os.path.join(cache, "tokenizer.json"),
                                             os.path.join(cache, "corpus"), log=log)
    tokenizer, eot = evaluate_all.load_tokenizer(os.path.join(cache, "tokenizer.json"))
    probe_text, phrases = probe.build(os.path.join(cache, "corpus"), tokenizer)
    stats["probe"] = probe.measure(model, tokenizer, eot, probe_text, phrases)
    log(f"probe: ratio {stats['probe']['ratio']:.4f} (mean NLL after the first token "
        f"{stats['probe']['first_mean_nll']:.3f} -> {stats['probe']['second_mean_nll']:.3f} nats)")
    stats["timings"]["evaluation_s"] = time.time() - t3

    stats["package_licences"] = package_licences(os.path.join(cache, "corpus"))
    stats["tokens_read"] = tokens_read_per_source(cache, stats)
    if os.path.isdir(out_dir):
        shutil.rmtree(out_dir)
    write_model_folder(model, os.path.join(cache, "tokenizer.json"), out_dir,
                       name="markov-lens/default")
    evaluate_all.write_heldout_samples(os.path.join(cache, "corpus"), os.path.join(out_dir, "heldout"))
    write_expected(out_dir, stats)
    probe.write(os.path.join(out_dir, "probe"), probe_text, phrases, stats["probe"])
    stats["tokenizer_check"] = verify_tokenizer(out_dir, cache, log)
    stats["onnx_check"] = verify_onnx(model, out_dir, cache, log)
    stats["cli_check"] = cross_check_cli(out_dir, stats, log)
    stats["cli_probe_check"] = cross_check_cli_probe(out_dir, stats, log)
    stats["timings"]["total_s"] = time.time() - started
    with open(os.path.join(cache, "build.json"), "w") as f:
        json.dump(stats, f, indent=1)
    readme.write(out_dir, stats)
    log(f"done: {out_dir} in {stats['timings']['total_s'] / 60:.1f} min")


def write_expected(out_dir: str, stats: dict) -> None:
    """heldout/expected.json: what PyTorch (float64 sums) measured on each shipped held-out sample,
    so `npm test` can check that the engine scores the default model the same way."""
    samples = {name: {"tokens": s["tokens"], "bytes": s["bytes"], "bitsPerByte": s["bits_per_byte"]}
               for name, s in stats["heldout"]["samples"].items()}
    with open(os.path.join(out_dir, "heldout", "expected.json"), "w") as f:
        json.dump({"convention": "DESIGN.md scoring: one <|endoftext|> prefix, window 1024, stride 512",
                   "samples": samples}, f, indent=1)
        f.write("\n")


def tokens_read_per_source(cache: str, stats: dict) -> dict:
    """Input tokens the model actually read, by source: replays the trainer's seeded chunk order
    and maps each stream position to its document through the <|endoftext|> separators."""
    import numpy as np
    import tokenize_corpus
    import train

    schedule = train.Schedule(**{**stats["schedule"],
                                 "phases": tuple(tuple(p) for p in stats["schedule"]["phases"])})
    stream = np.fromfile(os.path.join(cache, "train_tokens.bin"), dtype=np.uint16)
    positions = []
    for reader, steps, (_end, seq_len, batch) in zip(
            train.phase_readers(stream, schedule, SEED), stats["training"]["phase_steps"],
            schedule.phases):
        assert steps * batch <= len(reader.order), "a phase read its region more than once"
        positions.append(reader.stream_positions(reader.order[:steps * batch], seq_len).ravel())
    separators = np.flatnonzero(stream == VOCAB_SIZE - 1)
    doc_of = np.searchsorted(separators, np.concatenate(positions), side="left")
    docs = tokenize_corpus.shuffled_train_docs(os.path.join(cache, "corpus"), SEED)
    per_doc = np.bincount(doc_of)
    read: dict[str, int] = {}
    for index in np.flatnonzero(per_doc):
        source = docs[index]["source"]
        read[source] = read.get(source, 0) + int(per_doc[index])
    return read


def package_licences(corpus_dir: str) -> dict:
    """{package: [training files, licences]} for the sources gathered across many packages."""
    from sources import licences_of_package, package_of_paths
    paths = []
    with open(os.path.join(corpus_dir, "train.jsonl"), encoding="utf-8") as f:
        for line in f:
            doc = json.loads(line)
            if doc["source"] in ("man-pages", "package-docs"):
                paths.append(doc["path"])
    owner = package_of_paths(set(paths))
    counts: dict[str, int] = {}
    for path in paths:
        package = owner.get(path, "(unowned)")
        counts[package] = counts.get(package, 0) + 1
    return {p: [n, licences_of_package(p)] for p, n in counts.items()}


def run_node_check(script: str, args: list[str], log, what: str) -> str:
    # Paths relative to the repository, so the README written from this line names no machine path.
    args = [os.path.relpath(a, REPO) if os.path.isabs(a) else a for a in args]
    result = subprocess.run(["node", os.path.join(REPO, "tools", "lib", script), *args],
                            capture_output=True, text=True, cwd=REPO)
    line = " ".join((result.stdout + result.stderr).strip().splitlines()[-1:])
    log(f"{what} (exit {result.returncode}): {line}")
    if result.returncode != 0:
        raise SystemExit(f"{what} failed")
    return line


def verify_tokenizer(out_dir: str, cache: str, log) -> str:
    """tokenizer.json in @huggingface/tokenizers gives the ids the Python encoder trained on."""
    import evaluate_all
    tokenizer, _eot = evaluate_all.load_tokenizer(os.path.join(out_dir, "tokenizer.json"))
    texts = list(evaluate_all.sample_texts(os.path.join(cache, "corpus")).values())
    texts += [evaluate_all.truncate(d["text"], 4000)
              for d in evaluate_all.heldout_docs(os.path.join(cache, "corpus"))[::7]]
    cases = os.path.join(cache, "tokenizer_cases.json")
    with open(cases, "w", encoding="utf-8") as f:
        json.dump([{"text": t, "ids": tokenizer.encode(t)} for t in texts], f, ensure_ascii=False)
    return run_node_check("check_tokenizer.js", [os.path.join(out_dir, "tokenizer.json"), cases],
                          log, "tokenizer check")


def verify_onnx(model, out_dir: str, cache: str, log) -> str:
    """Logits of model.onnx in onnxruntime-node (one pass and through the KV cache) vs PyTorch."""
    import evaluate_all
    ids = evaluate_all.sample_ids(os.path.join(out_dir, "tokenizer.json"),
                                  os.path.join(out_dir, "heldout"), 40)
    with torch.no_grad():
        logits, _ = model(torch.tensor([ids]))
    expected = os.path.join(cache, "onnx_expected.json")
    with open(expected, "w") as f:
        json.dump({"ids": ids, "logits": logits[0].tolist(), "split": 17}, f)
    return run_node_check("check_onnx.js", [os.path.join(out_dir, "model.onnx"), expected, "1e-4"],
                          log, "onnx check (one pass and through the KV cache vs PyTorch)")


def cross_check_cli(out_dir: str, stats: dict, log) -> str:
    """The project's own CLI (tokenizer in JS, ORT worker, sliding windows) on the shipped Python
    sample must give the bits/byte this recipe computed in PyTorch."""
    cli = os.path.join(REPO, "dist", "cli.js")
    if not os.path.exists(cli):
        return "skipped (dist/cli.js not built)"
    sample = os.path.join(out_dir, "heldout", "python-textwrap.py")
    result = subprocess.run(["node", cli, "analyze", sample, "--model", out_dir, "--format", "json"],
                            capture_output=True, text=True)
    if result.returncode != 0:
        return f"CLI failed (exit {result.returncode}): {result.stderr.strip()[:200]}"
    summary = json.loads(result.stdout)["summary"]
    ours = stats["heldout"]["samples"]["python-textwrap.py"]
    line = (f"`markov-lens analyze heldout/python-textwrap.py`: {summary['tokens']} tokens, "
            f"{summary['bitsPerByte']:.4f} bits/byte (PyTorch: {ours['tokens']} tokens, "
            f"{ours['bits_per_byte']:.4f})")
    log(f"cli check: {line}")
    return line


def cross_check_cli_probe(out_dir: str, stats: dict, log) -> str:
    """The probe ratio recomputed from the CLI's per-token NLLs and offsets (as the engine test)."""
    import probe
    cli = os.path.join(REPO, "dist", "cli.js")
    if not os.path.exists(cli):
        return "skipped (dist/cli.js not built)"
    folder = os.path.join(out_dir, "probe")
    result = subprocess.run(["node", cli, "analyze", os.path.join(folder, probe.TEXT_NAME),
                             "--model", out_dir, "--format", "json"], capture_output=True, text=True)
    if result.returncode != 0:
        return f"CLI failed (exit {result.returncode}): {result.stderr.strip()[:200]}"
    with open(os.path.join(folder, probe.SPANS_NAME), encoding="utf-8") as f:
        phrases = json.load(f)["phrases"]
    ratio = probe.ratio_from_records(json.loads(result.stdout)["tokens"], phrases)
    line = (f"`markov-lens analyze probe/{probe.TEXT_NAME}`: ratio {ratio:.4f} "
            f"(PyTorch: {stats['probe']['ratio']:.4f})")
    log(f"cli probe check: {line}")
    return line


def random_init(out_dir: str, seed: int) -> None:
    """The default model's architecture and tokenizer with untrained (seeded) weights."""
    import train
    from model_files import write_model_folder

    default_dir = os.path.join(REPO, "models", "default")
    with open(os.path.join(default_dir, "config.json")) as f:
        hf = json.load(f)
    kind = LlamaConfig if hf["model_type"] == "llama" else Gpt2Config
    names = {f.name for f in dataclasses.fields(kind)} - {"dropout"}
    config = kind(**{k: v for k, v in hf.items() if k in names})
    model = train.make_model(config, seed).eval()
    write_model_folder(model, os.path.join(default_dir, "tokenizer.json"), out_dir,
                       name=f"markov-lens/default-random-init-seed{seed}")
    print(f"wrote a randomly initialised model (seed {seed}) to {out_dir}")


def train_defaults():
    import train
    return train.Schedule()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join(REPO, "models", "default"))
    parser.add_argument("--cache", default=os.path.join(REPO, "tools", ".cache", "default_model"))
    parser.add_argument("--train-steps", type=int, default=train_defaults().steps,
                        help="training steps of 2048 tokens (default: the recipe's)")
    parser.add_argument("--threads", type=int, default=2,
                        help="PyTorch threads (2 on this machine; 1 each for two builds side by side)")
    parser.add_argument("--workers", type=int, default=1,
                        help="training processes of one thread each that share every batch (2 on this "
                             "machine trains about 1.4x as fast as one process; deterministic per count)")
    parser.add_argument("--note", default="", help="said after the thread count in README.md")
    parser.add_argument("--random-init", metavar="OUT_DIR",
                        help="write an untrained model of the same architecture and tokenizer")
    parser.add_argument("--seed", type=int, default=SEED, help="seed for --random-init")
    parser.add_argument("--finish-only", action="store_true",
                        help="reuse the cached trained checkpoint: evaluate, export, document")
    parser.add_argument("--from-stream", action="store_true",
                        help="reuse the cached corpus, tokenizer and token stream (prep.json)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.random_init:
        random_init(args.random_init, args.seed)
    elif args.finish_only:
        with open(os.path.join(args.cache, "build.json")) as f:
            stats = json.load(f)
        finish(args.out, args.cache, stats, log_to(os.path.join(args.cache, "build.log")),
               started=time.time() - sum(stats["timings"].values()))
    else:
        build(args.out, args.cache, args.train_steps, args.note, args.from_stream, args.workers)


if __name__ == "__main__":
    main()
