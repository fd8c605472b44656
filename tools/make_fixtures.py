#!/usr/bin/python3
"""Builds every test fixture under test/fixtures/models/ and test/fixtures/reference/ (the
surplus A2/B reference too: fixtures_surplus.py, also runnable alone on the committed models).
Then the fixtures that are built from those folders (each module also runs alone):
fixtures_long_context.py (issue 15), fixtures_quantized.py (issue 15 part 4), fixtures_compare.py
(issue 16; also reads models/default), fixtures_lens.py (issue 17; also reads models/default).

Run from anywhere: /usr/bin/python3 tools/make_fixtures.py   (a few minutes on 2 cores)
Seeded and single-threaded, so a rebuild on the same corpus gives the same files. At the end it
checks with Node that @huggingface/tokenizers reproduces every reference id sequence and that
onnxruntime-node reproduces PyTorch's logits (empty past and cached past).
"""
import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

from fixtures_broken import write_broken_folders  # noqa: E402
from fixtures_compare import write_default_compare, write_fixture_compares  # noqa: E402
from fixtures_corpus import reference_texts, sha256, training_corpus  # noqa: E402
from fixtures_lens import write_lens  # noqa: E402
from fixtures_long_context import write_long_context  # noqa: E402
from fixtures_models import (NonFiniteLogits, build_gpt2, build_llamas,  # noqa: E402
                             export_gpt2_variant, write_tjs_layout)
from fixtures_quantized import write_quantized  # noqa: E402
from fixtures_reference import dump_reference, reference_document  # noqa: E402
from fixtures_surplus import write_surplus  # noqa: E402
from lib.export import export_onnx  # noqa: E402
from lib.gpt2 import Gpt2Config, Gpt2LMHeadModel  # noqa: E402
from lib.tokenizer_json import write_json  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = os.path.join(ROOT, "test", "fixtures", "models")
REFERENCE = os.path.join(ROOT, "test", "fixtures", "reference")
STEPS = 600


def window_configs(context: int):
    """(window, stride) pairs per text: the full context with half stride always; a small
    16/8 window for texts longer than 16 tokens; disjoint full windows for long texts."""
    def configs(n_ids: int):
        result = [(context, context // 2)]
        if n_ids > 16:
            result.append((16, 8))
        if n_ids > context:
            result.append((context, context))
        return result
    return configs


def fp16_rounded(model):
    """A float64 copy whose weights are rounded to float16 first (the fp16 graph's weights)."""
    rounded = copy.deepcopy(model)
    for parameter in rounded.parameters():
        parameter.data = parameter.data.half().double()
    return rounded.double().eval()


def write_reference(name, model64, weights_note, built, texts):
    document = reference_document(model64, name, weights_note, built.prefix_id, built.context,
                                  texts, built.encode, window_configs(built.context))
    save_reference(name, document)
    return document


def save_reference(name, document):
    os.makedirs(REFERENCE, exist_ok=True)
    with open(os.path.join(REFERENCE, f"{name}.json"), "w", encoding="utf-8") as handle:
        handle.write(dump_reference(document))


def node_check_tokenizer(folder, cases):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump([{"text": c["text"], "ids": c["ids"]} for c in cases], handle)
    subprocess.run(["node", os.path.join(ROOT, "tools/lib/check_tokenizer.js"),
                    os.path.join(folder, "tokenizer.json"), handle.name], check=True)
    os.remove(handle.name)


def node_check_onnx(model_path, model, ids, tolerance):
    with torch.no_grad():
        logits, _ = model.float()(torch.tensor([ids]))
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({"ids": ids, "logits": logits[0].tolist(), "split": len(ids) // 2}, handle)
    subprocess.run(["node", os.path.join(ROOT, "tools/lib/check_onnx.js"), model_path,
                    handle.name, str(tolerance)], check=True)
    os.remove(handle.name)


def export_small_gpt2(folder, vocab):
    config = Gpt2Config(vocab_size=vocab, n_positions=64, n_embd=16, n_layer=1, n_head=2,
                        bos_token_id=vocab - 1, eos_token_id=vocab - 1)
    torch.manual_seed(4)
    model = Gpt2LMHeadModel(config).eval()
    write_json(os.path.join(folder, "config.json"), config.hf_config())
    export_onnx(model, os.path.join(folder, "model.onnx"))


def main():
    torch.set_num_threads(1)
    os.makedirs(MODELS, exist_ok=True)
    for entry in os.listdir(MODELS):  # README.md is hand-written; everything else is rebuilt
        if os.path.isdir(os.path.join(MODELS, entry)):
            shutil.rmtree(os.path.join(MODELS, entry))
    corpus = training_corpus()
    print(f"corpus: {len(corpus)} chars, sha256 {sha256(corpus)}", flush=True)

    gpt2 = build_gpt2(os.path.join(MODELS, "gpt2-bytelevel"), corpus, STEPS)
    export_gpt2_variant(gpt2, os.path.join(MODELS, "gpt2-fp16"), fp16=True)
    write_tjs_layout(os.path.join(MODELS, "gpt2-tjs"), gpt2.folder, os.path.join(MODELS, "gpt2-fp16"))
    vocab = gpt2.tokenizer_json["model"]["vocab"]
    nan_id, inf_id = vocab[","], vocab["."]
    export_gpt2_variant(gpt2, os.path.join(MODELS, "nan-logits"),
                        wrapper=lambda m: NonFiniteLogits(m, nan_id, inf_id))
    metaspace, unigram = build_llamas(os.path.join(MODELS, "llama-metaspace"),
                                      os.path.join(MODELS, "llama-unigram"), corpus, STEPS)
    write_broken_folders(MODELS, gpt2.folder, metaspace.folder, export_small_gpt2)

    print("references (float64)...", flush=True)
    documents = {}
    for name, built in (("gpt2-bytelevel", gpt2), ("llama-metaspace", metaspace),
                        ("llama-unigram", unigram)):
        texts = reference_texts(built.encode, built.context)
        documents[name] = write_reference(name, copy.deepcopy(built.model).double().eval(),
                                          "float32 weights, computed in float64", built, texts)
    gpt2_texts = reference_texts(gpt2.encode, gpt2.context)
    write_reference("gpt2-fp16", fp16_rounded(gpt2.model),
                    "float16-rounded weights, computed in float64 (the graph computes in float16: "
                    "compare with a float16 tolerance)", gpt2, gpt2_texts)
    nan_model = NonFiniteLogits(copy.deepcopy(gpt2.model).double().eval(), nan_id, inf_id)
    nan_doc = write_reference("nan-logits", nan_model, "float32 weights, computed in float64; "
                              f"logits row all NaN where the input id is {nan_id} (','), +Inf at "
                              f"token 0 where it is {inf_id} ('.')", gpt2, gpt2_texts)
    nan_doc.update({"nanInputId": nan_id, "infInputId": inf_id})
    save_reference("nan-logits", nan_doc)
    write_surplus(copy.deepcopy(gpt2.model).double().eval(), gpt2.prefix_id,
                  os.path.join(REFERENCE, "gpt2-bytelevel.json"),
                  os.path.join(ROOT, "test", "fixtures", "surplus", "gpt2-bytelevel.json"))

    print("checking with node...", flush=True)
    for name, built in (("gpt2-bytelevel", gpt2), ("llama-metaspace", metaspace),
                        ("llama-unigram", unigram)):
        node_check_tokenizer(built.folder, documents[name]["cases"])
    sample = gpt2.encode(gpt2_texts["english"])[:40]
    node_check_onnx(os.path.join(gpt2.folder, "model.onnx"), gpt2.model, sample, 1e-4)
    node_check_onnx(os.path.join(MODELS, "gpt2-fp16", "model.onnx"), gpt2.model, sample, 0.1)
    for built in (metaspace, unigram):
        sample = built.encode(gpt2_texts["english"])[:40]
        node_check_onnx(os.path.join(built.folder, "model.onnx"), built.model, sample, 1e-4)

    print("long context, quantized variants, comparisons, lens...", flush=True)
    write_long_context(corpus, gpt2.folder)
    write_quantized()
    write_fixture_compares()
    write_default_compare()
    write_lens()
    write_json(os.path.join(MODELS, "manifest.json"), {
        "corpus_sha256": sha256(corpus), "corpus_chars": len(corpus), "train_steps": STEPS,
        "torch": torch.__version__, "folders": sorted(os.listdir(MODELS))})
    print("done")


if __name__ == "__main__":
    main()
