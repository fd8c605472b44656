#!/usr/bin/python3
"""Quantized and half-precision variants in the transformers.js layout (issue 15 part 4), with a
float64 reference per variant computed from what the variant means (its dequantized weights).

  test/fixtures/models/gpt2-tjs-quant/   from gpt2-bytelevel (tied head)
  test/fixtures/models/llama-tjs-quant/  from llama-metaspace (untied head; onnx/model.onnx keeps
                                         its external data onnx/model.onnx_data)
each with onnx/ holding:
  model.onnx            fp32 (the source graph)
  model_fp16.onnx       float16 weights and compute, float32 graph I/O (Casts at the inputs and
                        outputs, as transformers.js's fp16 script with keep_io_types=True)
  model_quantized.onnx  q8: DynamicQuantizeLinear + MatMulInteger, int8 weights per tensor; the
                        embedding Gathers hold uint8 codes + DequantizeLinear
  model_int8.onnx       the same with int8 weights per column (scale and zero point per column)
  model_uint8.onnx      the same with uint8 weights per tensor (asymmetric zero point)
  model_q4.onnx         MatMulNBits bits 4, block 32, asymmetric (scales and packed zero points)
  model_q4f16.onnx      the fp16 graph (float16 I/O: logits and past/present are float16), then
                        MatMulNBits bits 4, block 32, symmetric (no zero_points input: 8 implied)
  model_bnb4.onnx       MatMulBnb4 NF4 (quant_type 1), block 64
Quantized: every MatMul with an initializer weight (the blocks; the llama LM head too, the tied
GPT-2 head MatMul(h, Transpose(wte)) stays float); q8 also quantizes the embedding tables. See
lib/quantize.py for the exact formats.

References: test/fixtures/reference/quantized/<folder>.<variant>.json (fixture-reference@1 plus
"variant" and "onnx"), computed in float64 from the dequantized weights (fp16 variants: every
weight rounded to float16 first). Texts english, code, unicode, long; window (context, context/2).

Standalone (after make_fixtures.py has built gpt2-bytelevel and llama-metaspace):
    /usr/bin/python3 tools/fixtures_quantized.py [--measure]
--measure also runs every variant in onnxruntime-node through the KV cache and prints max |dNLL|
against its reference and the mean KL(fp32 reference || variant) (seconds).
"""
import copy
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import torch  # noqa: E402

import fixtures_metrics as fm  # noqa: E402
from fixtures_corpus import reference_texts  # noqa: E402
from fixtures_reference import dump_reference, forward64, reference_document, window_bounds  # noqa: E402
from lib.export import save_onnx  # noqa: E402
from lib.fp16 import convert_to_float16, float32_io  # noqa: E402
from lib.onnx_weights import matmul_weights, read_config, torch_model_from_onnx  # noqa: E402
from lib.ort_run import ort_scored_logits  # noqa: E402
from lib.quantize import NF4, quantize_bnb4, quantize_q4, quantize_q8  # noqa: E402
from lib.tokenizer_json import write_json  # noqa: E402
from lib.tokenizer_load import FolderTokenizer  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = os.path.join(ROOT, "test", "fixtures", "models")
REFERENCE = os.path.join(ROOT, "test", "fixtures", "reference", "quantized")
JSON_FILES = ("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
              "special_tokens_map.json")
SOURCES = (("gpt2-tjs-quant", "gpt2-bytelevel"), ("llama-tjs-quant", "llama-metaspace"))
TEXTS = ("english", "code", "unicode", "long")
# variant -> (file, what its reference means)
VARIANTS = {
    "fp32": ("model.onnx", "float32 weights, computed in float64"),
    "fp16": ("model_fp16.onnx", "float16-rounded weights, computed in float64 (the graph computes "
             "in float16 between float32 I/O casts)"),
    "quantized": ("model_quantized.onnx", "q8: dequantized int8 per-tensor MatMul weights and "
                  "uint8 embedding tables, float32 elsewhere, computed in float64 WITHOUT the "
                  "run-time activation quantization (DynamicQuantizeLinear) the graph applies"),
    "int8": ("model_int8.onnx", "dequantized int8 per-column MatMul weights and uint8 embedding "
             "tables, computed in float64 without activation quantization"),
    "uint8": ("model_uint8.onnx", "dequantized uint8 per-tensor MatMul weights and uint8 embedding "
              "tables, computed in float64 without activation quantization"),
    "q4": ("model_q4.onnx", "dequantized 4-bit block-32 asymmetric MatMul weights, float32 "
           "elsewhere, computed in float64"),
    "q4f16": ("model_q4f16.onnx", "float16-rounded weights with dequantized 4-bit block-32 "
              "symmetric MatMul weights (float16 scales), computed in float64 (the graph computes "
              "in float16)"),
    "bnb4": ("model_bnb4.onnx", "dequantized NF4 block-64 MatMul weights, float32 elsewhere, "
             "computed in float64"),
}


class UntiedHead(torch.nn.Module):
    """A GPT-2 whose embedding table was quantized while its tied head (Transpose(wte)) kept the
    float table: logits = final hidden @ head^T."""

    def __init__(self, model, head: torch.Tensor):
        super().__init__()
        self.model, self.head = model, head
        self.config, self.takes_position_ids = model.config, model.takes_position_ids

    def forward(self, input_ids, attention_mask=None, past_key_values=None, return_hidden=False):
        _, presents, hidden = self.model(input_ids, attention_mask, past_key_values, return_hidden=True)
        logits = torch.matmul(hidden, self.head.t())
        return (logits, presents, hidden) if return_hidden else (logits, presents)


def variant_graphs(proto32):
    """variant -> (ModelProto, dequantized weights or None, float16-rounded?)."""
    fp16 = convert_to_float16(copy.deepcopy(proto32))
    graphs = {"fp16": (float32_io(copy.deepcopy(fp16)), None, True)}
    for variant, weight_type, per_channel in (("quantized", "int8", False), ("int8", "int8", True),
                                              ("uint8", "uint8", False)):
        graphs[variant] = (*quantize_q8(copy.deepcopy(proto32), weight_type, per_channel), False)
    graphs["q4"] = (*quantize_q4(copy.deepcopy(proto32), 32, symmetric=False), False)
    graphs["q4f16"] = (*quantize_q4(fp16, 32, symmetric=True), True)
    graphs["bnb4"] = (*quantize_bnb4(copy.deepcopy(proto32), 64, NF4), False)
    return graphs


def reference_model(source_folder: str, proto32, dequant, fp16: bool):
    """Float64 PyTorch model of what a variant computes (exact weights, exact arithmetic)."""
    model = torch_model_from_onnx(source_folder)
    if fp16:
        for parameter in model.parameters():
            parameter.data = parameter.data.half().float()
    model = model.double().eval()
    if not dequant:
        return model
    state = model.state_dict()
    parameter_of = dict(matmul_weights(proto32).values())
    for initializer, weight in dequant["matmul"].items():
        state[parameter_of[initializer]] = torch.from_numpy(weight.T.copy())
    head = None
    for table, weight in dequant["gather"].items():
        parameter = table[len("model."):]
        if parameter == "wte.weight":  # tied: the head keeps the float table
            head = state[parameter].clone()
        state[parameter] = torch.from_numpy(weight.copy())
    model.load_state_dict(state)
    return UntiedHead(model, head) if head is not None else model


def scored_log_probs(model64, prefix_id: int, ids: list, window: int, stride: int) -> np.ndarray:
    t = [prefix_id] + list(ids)
    rows = []
    for start, end, first in window_bounds(len(t), window, stride):
        logits, _ = forward64(model64, t[start:end])
        rows.extend(logits[m - 1 - start].numpy() for m in range(first, end + 1))
    return fm.log_softmax(np.array(rows))


def write_folder(folder: str, source_folder: str, proto32, graphs) -> None:
    onnx_dir = os.path.join(folder, "onnx")
    os.makedirs(onnx_dir, exist_ok=True)
    for name in JSON_FILES:
        shutil.copyfile(os.path.join(source_folder, name), os.path.join(folder, name))
    config = read_config(folder)
    config["transformers.js_config"] = {"kv_cache_dtype": {"q4f16": "float16"}}
    write_json(os.path.join(folder, "config.json"), config)
    shutil.copyfile(os.path.join(source_folder, "model.onnx"), os.path.join(onnx_dir, "model.onnx"))
    if os.path.exists(os.path.join(source_folder, "model.onnx_data")):
        shutil.copyfile(os.path.join(source_folder, "model.onnx_data"),
                        os.path.join(onnx_dir, "model.onnx_data"))
    for variant, (proto, _, _) in graphs.items():
        proto.producer_name = "markov-lens-fixtures"
        onnx.checker.check_model(proto)
        save_onnx(proto, os.path.join(onnx_dir, VARIANTS[variant][0]))


def build(folder_name: str, source_name: str, measure: bool = False) -> dict:
    source_folder = os.path.join(MODELS, source_name)
    folder = os.path.join(MODELS, folder_name)
    proto32 = onnx.load(os.path.join(source_folder, "model.onnx"))
    graphs = variant_graphs(proto32)
    write_folder(folder, source_folder, proto32, graphs)
    config = read_config(source_folder)
    context = config.get("n_positions") or config["max_position_embeddings"]
    tokenizer = FolderTokenizer(source_folder)
    prefix = config["bos_token_id"]
    texts = {k: v for k, v in reference_texts(tokenizer.encode, context).items() if k in TEXTS}
    os.makedirs(REFERENCE, exist_ok=True)
    models64 = {"fp32": reference_model(source_folder, proto32, None, False)}
    for variant, (_, dequant, fp16) in graphs.items():
        models64[variant] = reference_model(source_folder, proto32, dequant, fp16)
    measured = {}
    fp32_log_p = {n: scored_log_probs(models64["fp32"], prefix, tokenizer.encode(t), context, context // 2)
                  for n, t in texts.items()}
    for variant, model64 in models64.items():
        file, note = VARIANTS[variant]
        document = reference_document(model64, folder_name, note, prefix, context, texts,
                                      tokenizer.encode, lambda n: [(context, context // 2)])
        document.update({"variant": variant, "onnx": f"onnx/{file}"})
        kls = []
        for name, text in texts.items():
            log_q = scored_log_probs(model64, prefix, tokenizer.encode(text), context, context // 2)
            kls += [fm.kl(p, q) for p, q in zip(fp32_log_p[name], log_q)]
        document["meanKlToFp32"] = float(np.mean(kls))
        with open(os.path.join(REFERENCE, f"{folder_name}.{variant}.json"), "w", encoding="utf-8") as handle:
            handle.write(dump_reference(document))
        line = f"  {folder_name}/{file}: float64 mean KL(fp32 || variant) {np.mean(kls):.2e}"
        if measure:
            measured[variant] = measure_variant(os.path.join(folder, "onnx", file), document, fp32_log_p,
                                                prefix, context)
            m = measured[variant]
            line += (f"; ORT vs its reference |dNLL| max {m['maxAbsDNll']:.2e} mean {m['meanAbsDNll']:.2e} "
                     f"p99 {m['p99AbsDNll']:.2e}; mean KL(fp32 || ORT) {m['meanKlToFp32']:.2e}")
        print(line, flush=True)
    return measured


def measure_variant(path: str, document: dict, fp32_log_p: dict, prefix: int, context: int) -> dict:
    """ORT (windows fed in half-window chunks through the KV cache) against the variant's
    reference: |dNLL| per token (max, mean, 99th percentile), and mean KL(fp32 reference || ORT)."""
    deviations, kls = [], []
    for case in document["cases"]:
        logits, _ = ort_scored_logits(path, prefix, case["ids"], context, context // 2)
        log_q = fm.log_softmax(logits)
        records = case["windows"][0]["tokens"]
        deviations += [abs(-log_q[i][r["id"]] - r["nll"]) for i, r in enumerate(records)]
        kls += [fm.kl(p, q) for p, q in zip(fp32_log_p[case["name"]], log_q)]
    return {"maxAbsDNll": float(max(deviations)), "meanAbsDNll": float(np.mean(deviations)),
            "p99AbsDNll": fm.percentile(deviations, 0.99), "meanKlToFp32": float(np.mean(kls))}


def write_quantized(measure: bool = False) -> dict:
    return {folder: build(folder, source, measure) for folder, source in SOURCES}


def main():
    torch.set_num_threads(1)
    write_quantized(measure="--measure" in sys.argv)


if __name__ == "__main__":
    main()
