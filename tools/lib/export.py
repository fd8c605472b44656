"""Export a causal LM to ONNX in the Optimum single-file layout ("text-generation-with-past").

Inputs:  input_ids [batch_size, sequence_length] int64,
         attention_mask [batch_size, past_sequence_length + sequence_length] int64,
         position_ids [batch_size, sequence_length] int64 (only when the model takes it),
         past_key_values.{i}.key / .value [batch_size, num_heads, past_sequence_length, head_dim].
Outputs: logits [batch_size, sequence_length, vocab], present.{i}.key / .value.
The past is always an input; the first pass feeds it with length 0.
"""
import os

import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper
from torch import nn

from .fp16 import convert_to_float16
from .hf_files import write_model_folder_files  # noqa: F401  (config/tokenizer JSON files, re-exported)

OPSET = 17


class _FlatSignature(nn.Module):
    """Wraps a model so torch.onnx.export sees one positional argument per ONNX input."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model
        self.takes_position_ids = getattr(model, "takes_position_ids", False)

    def forward(self, input_ids, attention_mask, *rest):
        if self.takes_position_ids:
            position_ids, past = rest[0], rest[1:]
            logits, presents = self.model(input_ids, attention_mask, past, position_ids=position_ids)
        else:
            logits, presents = self.model(input_ids, attention_mask, rest)
        return (logits, *presents)


def io_names(num_layers: int, takes_position_ids: bool):
    past = [f"past_key_values.{i}.{kind}" for i in range(num_layers) for kind in ("key", "value")]
    present = [f"present.{i}.{kind}" for i in range(num_layers) for kind in ("key", "value")]
    inputs = ["input_ids", "attention_mask"] + (["position_ids"] if takes_position_ids else []) + past
    return inputs, ["logits"] + present, past, present


def _dynamic_axes(inputs, past, present):
    axes = {"input_ids": {0: "batch_size", 1: "sequence_length"},
            "attention_mask": {0: "batch_size", 1: "past_sequence_length + sequence_length"},
            "logits": {0: "batch_size", 1: "sequence_length"}}
    if "position_ids" in inputs:
        axes["position_ids"] = {0: "batch_size", 1: "sequence_length"}
    for name in past:
        axes[name] = {0: "batch_size", 2: "past_sequence_length"}
    for name in present:
        axes[name] = {0: "batch_size", 2: "past_sequence_length + sequence_length"}
    return axes


def _trace_inputs(model, past_len: int = 3, seq_len: int = 4):
    """Non-empty past and seq > 1 so no length is specialised to a constant during tracing."""
    generator = torch.Generator().manual_seed(0)
    vocab = model.config.vocab_size
    input_ids = torch.randint(0, vocab, (1, seq_len), generator=generator)
    attention_mask = torch.ones(1, past_len + seq_len, dtype=torch.long)
    heads, head_dim = model.kv_shape
    past = tuple(torch.randn(1, heads, past_len, head_dim, generator=generator)
                 for _ in range(2 * model.num_layers))
    args = [input_ids, attention_mask]
    if getattr(model, "takes_position_ids", False):
        args.append(torch.arange(past_len, past_len + seq_len).unsqueeze(0))
    return tuple(args) + past


def export_onnx(model: nn.Module, path: str, external_data: bool = False, fp16: bool = False,
                opset: int = OPSET) -> None:
    """Writes model.onnx (and model.onnx_data with external_data) for a float32 model in eval mode.

    fp16 converts weights, past/present and logits to float16 after export (see fp16.py). Below
    opset 17 the exporter writes LayerNorm as ReduceMean/Sub/Pow/Sqrt/Div/Mul/Add nodes."""
    model = model.float().eval()
    wrapper = _FlatSignature(model)
    inputs, outputs, past, present = io_names(model.num_layers, wrapper.takes_position_ids)
    tmp_path = path + ".tmp"
    with torch.no_grad():
        torch.onnx.export(wrapper, _trace_inputs(model), tmp_path, input_names=inputs,
                          output_names=outputs, dynamic_axes=_dynamic_axes(inputs, past, present),
                          opset_version=opset, do_constant_folding=True)
    proto = onnx.load(tmp_path)
    os.remove(tmp_path)
    tie_transposed_copies(proto)
    if fp16:
        proto = convert_to_float16(proto)
    onnx.checker.check_model(proto)
    save_onnx(proto, path, external_data)


def tie_transposed_copies(proto: onnx.ModelProto) -> None:
    """Constant folding stores a tied LM head as a second, transposed copy of the embedding.
    Replace the copy by Transpose(embedding), the form Optimum's tied-weight dedup writes
    (output "<name>_transposed"): half the size, and the head still traces to the embedding."""
    graph = proto.graph
    matrices = {t.name: numpy_helper.to_array(t) for t in graph.initializer if len(t.dims) == 2}
    by_shape = {}
    for name, array in matrices.items():
        by_shape.setdefault(array.shape, []).append(name)
    for copy_name, array in list(matrices.items()):
        if not copy_name.startswith("onnx::"):
            continue  # folded constants get "onnx::" names; named parameters are originals
        originals = [n for n in by_shape.get(array.shape[::-1], []) if not n.startswith("onnx::")
                     and np.array_equal(matrices[n].T, array)]
        if not originals:
            continue
        original = originals[0]
        transposed = f"{original}_transposed"
        for node in graph.node:
            for index, name in enumerate(node.input):
                if name == copy_name:
                    node.input[index] = transposed
        graph.node.insert(0, helper.make_node("Transpose", [original], [transposed],
                                              perm=[1, 0], name=f"/{original}/Transpose"))
        kept = [t for t in graph.initializer if t.name != copy_name]
        del graph.initializer[:]
        graph.initializer.extend(kept)


def save_onnx(proto: onnx.ModelProto, path: str, external_data: bool = False) -> None:
    data_name = os.path.basename(path) + "_data"
    data_path = os.path.join(os.path.dirname(path), data_name)
    if os.path.exists(data_path):
        os.remove(data_path)  # onnx appends to an existing data file
    if external_data:
        onnx.save(proto, path, save_as_external_data=True, all_tensors_to_one_file=True,
                  location=data_name, size_threshold=0)
    else:
        onnx.save(proto, path)
