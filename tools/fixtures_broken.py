"""Model folders that must be rejected with a clear message: each is broken in one way only."""
import json
import os
import shutil

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from lib.export import save_onnx

JSON_FILES = ("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
              "special_tokens_map.json")


def copy_json_files(source: str, target: str, skip=()) -> None:
    os.makedirs(target, exist_ok=True)
    for name in JSON_FILES:
        if name not in skip and os.path.exists(os.path.join(source, name)):
            shutil.copyfile(os.path.join(source, name), os.path.join(target, name))


def _model(graph) -> onnx.ModelProto:
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="markov-lens-fixtures")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def image_model() -> onnx.ModelProto:
    """pixel_values [batch, 3, 8, 8] -> image_embeds [batch, 16]: a valid graph, not a causal LM."""
    weight = numpy_helper.from_array(np.random.default_rng(0).normal(size=(3, 16)).astype(np.float32), "proj")
    nodes = [helper.make_node("ReduceMean", ["pixel_values"], ["pooled"], axes=[2, 3], keepdims=0),
             helper.make_node("MatMul", ["pooled", "proj"], ["image_embeds"])]
    graph = helper.make_graph(
        nodes, "image_encoder",
        [helper.make_tensor_value_info("pixel_values", TensorProto.FLOAT, ["batch_size", 3, 8, 8])],
        [helper.make_tensor_value_info("image_embeds", TensorProto.FLOAT, ["batch_size", 16])],
        [weight])
    return _model(graph)


def bf16_logits_model(vocab: int, width: int = 8) -> onnx.ModelProto:
    """input_ids, attention_mask -> logits [batch, seq, vocab] in bfloat16 (onnxruntime-node
    cannot create a session with bfloat16 I/O)."""
    rng = np.random.default_rng(1)
    embed = numpy_helper.from_array(rng.normal(size=(vocab, width)).astype(np.float32), "embed")
    head = numpy_helper.from_array(rng.normal(size=(width, vocab)).astype(np.float32), "head")
    nodes = [helper.make_node("Gather", ["embed", "input_ids"], ["hidden"]),
             helper.make_node("MatMul", ["hidden", "head"], ["logits_fp32"]),
             helper.make_node("Cast", ["logits_fp32"], ["logits"], to=TensorProto.BFLOAT16)]
    graph = helper.make_graph(
        nodes, "bf16_lm",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch_size", "sequence_length"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch_size", "sequence_length"])],
        [helper.make_tensor_value_info("logits", TensorProto.BFLOAT16,
                                       ["batch_size", "sequence_length", vocab])],
        [embed, head])
    return _model(graph)


def write_broken_folders(models_dir: str, gpt2_dir: str, llama_dir: str, export_small_gpt2) -> None:
    """gpt2_dir / llama_dir: built good fixtures to borrow files from.
    export_small_gpt2(folder, vocab): writes model.onnx + config.json of a tiny GPT-2 of that vocab."""
    folder = os.path.join(models_dir, "not-causal-lm")
    copy_json_files(gpt2_dir, folder)
    save_onnx(image_model(), os.path.join(folder, "model.onnx"))

    folder = os.path.join(models_dir, "bf16")
    copy_json_files(gpt2_dir, folder)
    with open(os.path.join(gpt2_dir, "config.json"), encoding="utf-8") as handle:
        vocab = json.load(handle)["vocab_size"]
    save_onnx(bf16_logits_model(vocab), os.path.join(folder, "model.onnx"))

    folder = os.path.join(models_dir, "tokenizer-too-wide")
    copy_json_files(gpt2_dir, folder, skip=("config.json",))
    export_small_gpt2(folder, vocab // 2)

    folder = os.path.join(models_dir, "no-onnx")
    copy_json_files(gpt2_dir, folder)

    folder = os.path.join(models_dir, "missing-external-data")
    copy_json_files(llama_dir, folder)
    shutil.copyfile(os.path.join(llama_dir, "model.onnx"), os.path.join(folder, "model.onnx"))

    folder = os.path.join(models_dir, "bad-tokenizer")
    copy_json_files(gpt2_dir, folder, skip=("tokenizer.json",))
    shutil.copyfile(os.path.join(gpt2_dir, "model.onnx"), os.path.join(folder, "model.onnx"))
    with open(os.path.join(folder, "tokenizer.json"), "w", encoding="utf-8") as handle:
        handle.write('{"version": "1.0", "model": {"type": "BPE", "vocab": {"a": 0,\n')
