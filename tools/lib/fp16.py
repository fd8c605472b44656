"""float32 -> float16 conversion of an exported ONNX graph (onnxconverter_common is not
available here). Weights, float constants, Cast targets and float graph I/O (past, present,
logits) become float16. Ops listed in keep_float32 run in float32 between inserted Casts, for
kernels onnxruntime's CPU provider lacks in float16 or that need the range.
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

FLOAT16_MAX = float(np.finfo(np.float16).max)


def _tensor_to_float16(tensor: TensorProto) -> TensorProto:
    array = numpy_helper.to_array(tensor).astype(np.float64)
    # finfo(float32).min used as an attention-mask floor would overflow to -inf: clamp.
    array = np.clip(array, -FLOAT16_MAX, FLOAT16_MAX).astype(np.float16)
    converted = numpy_helper.from_array(array, tensor.name)
    return converted


def _convert_attributes(node) -> None:
    for attribute in node.attribute:
        if attribute.type == onnx.AttributeProto.TENSOR and attribute.t.data_type == TensorProto.FLOAT:
            attribute.t.CopyFrom(_tensor_to_float16(attribute.t))
        if node.op_type == "Cast" and attribute.name == "to" and attribute.i == TensorProto.FLOAT:
            attribute.i = TensorProto.FLOAT16


def _wrap_in_float32(node, float_names: set):
    """Casts node's float16 inputs to float32 and its outputs back; returns the nodes to insert."""
    before, after = [], []
    for index, name in enumerate(node.input):
        if name in float_names:
            cast_name = f"{name}__to_fp32_{node.name}"
            before.append(helper.make_node("Cast", [name], [cast_name], to=TensorProto.FLOAT,
                                           name=cast_name))
            node.input[index] = cast_name
    for index, name in enumerate(node.output):
        inner = f"{name}__fp32"
        after.append(helper.make_node("Cast", [inner], [name], to=TensorProto.FLOAT16,
                                      name=f"{name}__to_fp16"))
        node.output[index] = inner
    return before, after


def _float_tensor_names(model: onnx.ModelProto) -> set:
    """Names of all float32 tensors, from ONNX shape inference over the unconverted graph."""
    inferred = onnx.shape_inference.infer_shapes(model)
    graph = inferred.graph
    names = {t.name for t in graph.initializer if t.data_type == TensorProto.FLOAT}
    for value in list(graph.input) + list(graph.output) + list(graph.value_info):
        if value.type.tensor_type.elem_type == TensorProto.FLOAT:
            names.add(value.name)
    return names


def convert_to_float16(model: onnx.ModelProto, keep_float32=("LayerNormalization",)) -> onnx.ModelProto:
    float_names = _float_tensor_names(model)
    graph = model.graph
    for index, initializer in enumerate(graph.initializer):
        if initializer.data_type == TensorProto.FLOAT:
            graph.initializer[index].CopyFrom(_tensor_to_float16(initializer))
    for value in list(graph.input) + list(graph.output):
        if value.type.tensor_type.elem_type == TensorProto.FLOAT:
            value.type.tensor_type.elem_type = TensorProto.FLOAT16
    new_nodes = []
    for node in graph.node:
        _convert_attributes(node)
        if node.op_type in keep_float32:
            before, after = _wrap_in_float32(node, float_names)
            new_nodes += before + [node] + after
        else:
            new_nodes.append(node)
    del graph.node[:]
    graph.node.extend(new_nodes)
    del graph.value_info[:]
    return model


def float32_io(model: onnx.ModelProto) -> onnx.ModelProto:
    """Float32 graph I/O around a converted float16 graph (transformers.js's own fp16 script,
    keep_io_types=True): each float16 input X is a float32 input cast to float16 as "X_fp16"
    inside; each float16 output Y is computed as "Y_fp16" and cast to float32 as Y."""
    graph = model.graph
    heads, tails = [], []
    for value in graph.input:
        if value.type.tensor_type.elem_type == TensorProto.FLOAT16:
            value.type.tensor_type.elem_type = TensorProto.FLOAT
            inner = value.name + "_fp16"
            heads.append(helper.make_node("Cast", [value.name], [inner], to=TensorProto.FLOAT16,
                                          name=f"/io/{value.name}/Cast"))
            for node in graph.node:
                for index, name in enumerate(node.input):
                    if name == value.name:
                        node.input[index] = inner
    for value in graph.output:
        if value.type.tensor_type.elem_type == TensorProto.FLOAT16:
            value.type.tensor_type.elem_type = TensorProto.FLOAT
            inner = value.name + "_fp16"
            for node in graph.node:
                for index, name in enumerate(node.output):
                    if name == value.name:
                        node.output[index] = inner
                for index, name in enumerate(node.input):
                    if name == value.name:
                        node.input[index] = inner
            tails.append(helper.make_node("Cast", [inner], [value.name], to=TensorProto.FLOAT,
                                          name=f"/io/{value.name}/Cast"))
    nodes = heads + list(graph.node) + tails
    del graph.node[:]
    graph.node.extend(nodes)
    return model
