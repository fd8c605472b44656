"""PyTorch models (lib/gpt2.py, lib/llama.py) rebuilt from an exported model folder: config.json
gives the architecture, the ONNX initializers the weights. Works for graphs written by
lib/export.py (named parameters keep their names as "model.<param>"; a Linear's weight is folded
into a transposed initializer that the MatMul node "/model/<module path>/MatMul" takes as B).

matmul_weights(proto) lists those MatMuls, so recipes can swap a weight for its quantized form in
the graph and for the dequantized value in the PyTorch model.
"""
import json
import os

import onnx
import torch
from onnx import numpy_helper

from .gpt2 import Gpt2Config, Gpt2LMHeadModel
from .llama import LlamaConfig, LlamaForCausalLM


def read_config(folder: str) -> dict:
    with open(os.path.join(folder, "config.json"), encoding="utf-8") as handle:
        return json.load(handle)


def empty_model(config: dict):
    """An untrained float32 model of the config's architecture (gpt2 or llama)."""
    if config["model_type"] == "gpt2":
        return Gpt2LMHeadModel(Gpt2Config(
            vocab_size=config["vocab_size"], n_positions=config["n_positions"],
            n_embd=config["n_embd"], n_layer=config["n_layer"], n_head=config["n_head"],
            layer_norm_epsilon=config.get("layer_norm_epsilon", 1e-5),
            bos_token_id=config["bos_token_id"], eos_token_id=config["eos_token_id"]))
    if config["model_type"] == "llama":
        fields = ("vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
                  "num_attention_heads", "num_key_value_heads", "head_dim", "max_position_embeddings",
                  "rms_norm_eps", "rope_theta", "bos_token_id", "eos_token_id")
        return LlamaForCausalLM(LlamaConfig(**{k: config[k] for k in fields if k in config}))
    raise ValueError(f"unsupported model_type {config['model_type']!r}")


def module_weight_name(node_name: str) -> str:
    """"/model/h.0/attn/c_attn/MatMul" -> "h.0.attn.c_attn.weight"."""
    parts = node_name.strip("/").split("/")
    return ".".join(parts[1:-1]) + ".weight"


def matmul_weights(proto: onnx.ModelProto) -> dict:
    """{node name: (initializer name, torch parameter name)} for every MatMul whose B is an
    initializer (the folded Linear weights; the tied GPT-2 head is Transpose(wte), not listed)."""
    initializers = {t.name for t in proto.graph.initializer}
    found = {}
    for node in proto.graph.node:
        if node.op_type == "MatMul" and node.input[1] in initializers:
            found[node.name] = (node.input[1], module_weight_name(node.name))
    return found


def state_from_proto(proto: onnx.ModelProto) -> dict:
    """PyTorch state dict (float32 tensors) read from the graph's initializers."""
    arrays = {t.name: numpy_helper.to_array(t) for t in proto.graph.initializer}
    state = {name[len("model."):]: torch.from_numpy(array.copy())
             for name, array in arrays.items() if name.startswith("model.")}
    for initializer, parameter in matmul_weights(proto).values():
        state[parameter] = torch.from_numpy(arrays[initializer].T.copy())
    return state


def torch_model_from_onnx(folder: str, onnx_path: str = None):
    """The folder's model in PyTorch, float32, eval mode (weights exactly the graph's)."""
    config = read_config(folder)
    proto = onnx.load(onnx_path or os.path.join(folder, "model.onnx"))
    model = empty_model(config)
    state = state_from_proto(proto)
    if "lm_head.weight" in model.state_dict() and "lm_head.weight" not in state and config.get("tie_word_embeddings"):
        state["lm_head.weight"] = state["embed_tokens.weight"]  # a tied Llama head: MatMul(h, Transpose(embed))
    missing = set(model.state_dict()) - set(state)
    if missing:
        raise RuntimeError(f"weights not found in the graph: {sorted(missing)}")
    model.load_state_dict({k: v for k, v in state.items() if k in model.state_dict()})
    return model.float().eval()
