"""Weight quantization of an exported graph in numpy, writing the graphs onnxruntime's quantizers
write (onnxruntime.quantization is not available here). Each function takes a ModelProto (changed
in place and returned) and also returns what the quantized graph means: the dequantized weights,
{"matmul": {B initializer name: float64 [K, N]}, "gather": {table name: float64 [V, d]}}.

Which nodes (the rules of the tools transformers.js's scripts/quantize.py runs):
- every MatMul whose B is an initializer (MatMulConstBOnly). The tied GPT-2 head is
  MatMul(h, Transpose(wte)): its B is not an initializer, so it stays float;
- q8 only (ONNXQuantizer, IntegerOps, whose op list includes Gather): every Gather whose data is an
  initializer (token and position embeddings) holds uint8 codes and is followed by
  DequantizeLinear. A tied embedding is kept in float as well for its Transpose (the Transpose
  comes first in the graph, before the table is quantized).

q8 (quantize_dynamic layout; per MatMul, activations quantized at run time):
  x -> DynamicQuantizeLinear -> (x_quantized uint8, x_scale, x_zero_point)   [one per activation]
  MatMulInteger(x_quantized, B_quantized, x_zero_point, B_zero_point) -> int32
  Cast(to float) ; Mul(x_scale, B_scale) ; Mul(cast, scales) -> the MatMul's output
  weights: int8 symmetric (zero point 0, scale = max|w| / 127) or uint8 asymmetric
  (scale = (max(w,0) - min(w,0)) / 255, zero point = round(-min(w,0) / scale)); per tensor, or
  per column (scale and zero point of shape [N]).
q4 (MatMul4BitsQuantizer -> com.microsoft MatMulNBits, bits 4): B [N, ceil(K/bs), bs/2] uint8,
  element k of column n in block k // bs, two per byte, the lower k in the low nibble; scales
  [N * blocks]; zero_points uint8 [N * ceil(blocks/2)], low nibble first (asymmetric), or absent
  (symmetric, implied 8). w = (q - zp) * scale.
bnb4 (MatMulBnb4Quantizer -> com.microsoft MatMulBnb4): the transposed weight [N, K] flattened,
  blocks of bs values, absmax per block, each value / absmax mapped to the nearest of the 16 NF4
  (or FP4) levels, two codes per byte, the first in the high nibble. w = level[q] * absmax.
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

MS_DOMAIN = "com.microsoft"
NF4, FP4 = 1, 0
NF4_LEVELS = np.array([-1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
                       -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
                       0.07958029955625534, 0.16093020141124725, 0.24611230194568634,
                       0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
                       0.7229568362236023, 1.0], dtype=np.float32)
FP4_LEVELS = np.array([0.0, 5.208333333e-03, 0.66666667, 1.0, 0.33333333, 0.5, 0.16666667, 0.25,
                       -0.0, -5.208333333e-03, -0.66666667, -1.0, -0.33333333, -0.5, -0.16666667,
                       -0.25], dtype=np.float32)


def _initializers(proto):
    return {t.name: t for t in proto.graph.initializer}


def const_b_matmuls(proto) -> list:
    inits = _initializers(proto)
    return [n for n in proto.graph.node if n.op_type == "MatMul" and n.input[1] in inits
            and len(inits[n.input[1]].dims) == 2]


def _replace_nodes(proto, replacements: dict, before: dict = None) -> None:
    """replacements: node name -> list of nodes in its place; before: node name -> nodes to put
    just ahead of it. Initializers no node uses any more are dropped."""
    before = before or {}
    nodes = []
    for node in proto.graph.node:
        nodes.extend(before.get(node.name, []))
        nodes.extend(replacements.get(node.name, [node]))
    del proto.graph.node[:]
    proto.graph.node.extend(nodes)
    used = {name for node in proto.graph.node for name in node.input}
    kept = [t for t in proto.graph.initializer if t.name in used]
    del proto.graph.initializer[:]
    proto.graph.initializer.extend(kept)


def _add_initializer(proto, array, name):
    proto.graph.initializer.append(numpy_helper.from_array(array, name))


def _ms_opset(proto) -> None:
    if not any(o.domain == MS_DOMAIN for o in proto.opset_import):
        proto.opset_import.append(helper.make_opsetid(MS_DOMAIN, 1))


# ---------------------------------------------------------------- 8-bit (quantize_dynamic)

def _scale_zero_point(low, high, signed: bool):
    """ORT compute_scale_zp: the range always holds 0; int8 is symmetric in [-127, 127]."""
    low, high = np.minimum(low, 0.0).astype(np.float32), np.maximum(high, 0.0).astype(np.float32)
    if signed:
        absmax = np.maximum(np.abs(low), np.abs(high))
        scale = (2 * absmax / np.float32(254)).astype(np.float32)
        zero = np.zeros_like(scale)
    else:
        scale = ((high - low) / np.float32(255)).astype(np.float32)
        zero = np.where(scale > 0, np.round(-low / np.where(scale > 0, scale, 1)), 0)
    scale = np.where(scale > 0, scale, np.float32(1.0)).astype(np.float32)
    return scale, zero


def _quantize_8bit(w, signed: bool, axis=None):
    """w float32; axis None: per tensor, else per slice along axis. -> (codes, scale, zp, dequant)."""
    if axis is None:
        low, high = np.array(w.min()), np.array(w.max())
    else:
        other = tuple(a for a in range(w.ndim) if a != axis)
        low, high = w.min(axis=other), w.max(axis=other)
    scale, zero = _scale_zero_point(low, high, signed)
    qmin, qmax, dtype = (-127, 127, np.int8) if signed else (0, 255, np.uint8)
    shape = [1] * w.ndim
    if axis is not None:
        shape[axis] = -1
    s, z = scale.reshape(shape), zero.reshape(shape)
    codes = np.clip(np.round(w.astype(np.float32) / s) + z, qmin, qmax).astype(dtype)
    dequant = (codes.astype(np.float64) - z.astype(np.float64)) * s.astype(np.float64)
    return codes, scale.astype(np.float32), zero.astype(dtype), dequant


def quantize_q8(proto, weight_type: str = "int8", per_channel: bool = False):
    signed = weight_type == "int8"
    inits = _initializers(proto)
    dequant = {"matmul": {}, "gather": {}}
    replacements, before, activations = {}, {}, {}
    for node in const_b_matmuls(proto):
        b = node.input[1]
        w = numpy_helper.to_array(inits[b])
        codes, scale, zero, dequant["matmul"][b] = _quantize_8bit(w, signed, 1 if per_channel else None)
        shape_scalar = () if not per_channel else (w.shape[1],)
        _add_initializer(proto, codes, b + "_quantized")
        _add_initializer(proto, scale.reshape(shape_scalar), b + "_scale")
        _add_initializer(proto, zero.reshape(shape_scalar), b + "_zero_point")
        x = node.input[0]
        if x not in activations:  # one DynamicQuantizeLinear per activation, shared
            activations[x] = (x + "_quantized", x + "_scale", x + "_zero_point")
            before[node.name] = [helper.make_node("DynamicQuantizeLinear", [x], list(activations[x]),
                                                  name=x + "_QuantizeLinear")]
        xq, xs, xz = activations[x]
        out = node.output[0]
        integer = out + "_output_quantized"
        replacements[node.name] = [
            helper.make_node("MatMulInteger", [xq, b + "_quantized", xz, b + "_zero_point"], [integer],
                             name=node.name + "_quant"),
            helper.make_node("Cast", [integer], [integer + "_cast_output"], to=TensorProto.FLOAT,
                             name=integer + "_cast"),
            helper.make_node("Mul", [xs, b + "_scale"], [node.name + "_quant_scales_mul:0"],
                             name=node.name + "_quant_scales_mul"),
            helper.make_node("Mul", [integer + "_cast_output", node.name + "_quant_scales_mul:0"], [out],
                             name=node.name + "_quant_output_scale_mul"),
        ]
    for node in proto.graph.node:
        if node.op_type != "Gather" or node.input[0] not in inits:
            continue
        table_name = node.input[0]
        table = numpy_helper.to_array(inits[table_name])
        if table.dtype != np.float32:
            continue
        codes, scale, zero, dequant["gather"][table_name] = _quantize_8bit(table, signed=False)
        _add_initializer(proto, codes, table_name + "_quantized")
        _add_initializer(proto, scale.reshape(()), table_name + "_scale")
        _add_initializer(proto, zero.reshape(()), table_name + "_zero_point")
        out = node.output[0]
        replacements[node.name] = [
            helper.make_node("Gather", [table_name + "_quantized", node.input[1]], [out + "_quantized"],
                             name=node.name, **{a.name: helper.get_attribute_value(a) for a in node.attribute}),
            helper.make_node("DequantizeLinear", [out + "_quantized", table_name + "_scale",
                                                  table_name + "_zero_point"], [out],
                             name=out + "_DequantizeLinear"),
        ]
    _replace_nodes(proto, replacements, before)
    return proto, dequant


# ---------------------------------------------------------------- 4-bit blocks (MatMulNBits)

def _q4_blocks(w, block_size: int, symmetric: bool):
    """w [K, N] -> codes [N, blocks, bs] uint8 (padded with zero codes), scales [N, blocks],
    zero points [N, blocks] (8 when symmetric), dequantized [K, N] float64."""
    k, n = w.shape
    blocks = -(-k // block_size)
    padded = np.zeros((blocks * block_size, n), dtype=np.float32)
    padded[:k] = w.astype(np.float32)
    cols = padded.T.reshape(n, blocks, block_size)
    valid = (np.arange(blocks * block_size) < k).reshape(blocks, block_size)[None]
    low = np.where(valid, cols, np.inf).min(axis=2)
    high = np.where(valid, cols, -np.inf).max(axis=2)
    if symmetric:  # MLAS: scale = (value of largest magnitude) / -8, zero point 8
        big = np.where(np.abs(low) > np.abs(high), low, high)
        scale = (big / np.float32(-8)).astype(np.float32)
        zero = np.full(scale.shape, 8, dtype=np.uint8)
    else:
        low, high = np.minimum(low, 0), np.maximum(high, 0)
        scale = ((high - low) / np.float32(15)).astype(np.float32)
        safe = np.where(scale != 0, scale, 1).astype(np.float32)
        zero = np.clip(np.round(-low / safe), 0, 15).astype(np.uint8)
    scale = scale.astype(w.dtype).astype(np.float32) if w.dtype == np.float16 else scale
    safe = np.where(scale != 0, scale, 1).astype(np.float32)
    codes = np.clip(np.round(cols / safe[..., None]) + zero[..., None], 0, 15).astype(np.uint8)
    deq = (codes.astype(np.float64) - zero[..., None]) * scale.astype(np.float64)[..., None]
    dequant = deq.reshape(n, blocks * block_size)[:, :k].T
    return codes, scale.astype(w.dtype), zero, dequant


def _pack_low_first(values):
    """uint8 nibbles [..., m] -> bytes [..., ceil(m/2)], value 2i in the low nibble."""
    if values.shape[-1] % 2:
        values = np.concatenate([values, np.zeros(values.shape[:-1] + (1,), np.uint8)], axis=-1)
    return (values[..., 0::2] | (values[..., 1::2] << 4)).astype(np.uint8)


def quantize_q4(proto, block_size: int = 32, symmetric: bool = False):
    inits = _initializers(proto)
    dequant = {"matmul": {}, "gather": {}}
    replacements = {}
    for node in const_b_matmuls(proto):
        b = node.input[1]
        w = numpy_helper.to_array(inits[b])
        k, n = w.shape
        codes, scale, zero, dequant["matmul"][b] = _q4_blocks(w, block_size, symmetric)
        _add_initializer(proto, _pack_low_first(codes), b + "_Q4")
        _add_initializer(proto, scale.reshape(-1), b + "_scales")
        inputs = [node.input[0], b + "_Q4", b + "_scales"]
        if not symmetric:
            _add_initializer(proto, _pack_low_first(zero).reshape(-1), b + "_zero_points")
            inputs.append(b + "_zero_points")
        replacements[node.name] = [helper.make_node(
            "MatMulNBits", inputs, list(node.output), name=node.name + "_Q4", domain=MS_DOMAIN,
            K=k, N=n, bits=4, block_size=block_size)]
    _replace_nodes(proto, replacements)
    _ms_opset(proto)
    return proto, dequant


# ---------------------------------------------------------------- bitsandbytes 4-bit (MatMulBnb4)

def quantize_bnb4(proto, block_size: int = 64, quant_type: int = NF4):
    levels = NF4_LEVELS if quant_type == NF4 else FP4_LEVELS
    inits = _initializers(proto)
    dequant = {"matmul": {}, "gather": {}}
    replacements = {}
    for node in const_b_matmuls(proto):
        b = node.input[1]
        w = numpy_helper.to_array(inits[b]).astype(np.float32)
        k, n = w.shape
        flat = w.T.reshape(-1)
        blocks = -(-flat.size // block_size)
        padded = np.zeros(blocks * block_size, np.float32)
        padded[:flat.size] = flat
        absmax = np.abs(padded.reshape(blocks, block_size)).max(axis=1).astype(np.float32)
        scaled = padded.reshape(blocks, block_size) * np.where(absmax > 0, 1 / absmax, 0)[:, None]
        codes = np.abs(scaled[..., None] - levels[None, None, :]).argmin(axis=-1).astype(np.uint8)
        values = levels[codes].astype(np.float64) * absmax.astype(np.float64)[:, None]
        dequant["matmul"][b] = values.reshape(-1)[:flat.size].reshape(n, k).T
        packed = codes.reshape(-1)[:flat.size]
        if packed.size % 2:
            packed = np.append(packed, np.uint8(0))
        _add_initializer(proto, ((packed[0::2] << 4) | packed[1::2]).astype(np.uint8), b + "_Bnb4")
        _add_initializer(proto, absmax, b + "_absmax")
        replacements[node.name] = [helper.make_node(
            "MatMulBnb4", [node.input[0], b + "_Bnb4", b + "_absmax"], list(node.output),
            name=node.name + "_Bnb4", domain=MS_DOMAIN, K=k, N=n, block_size=block_size,
            quant_type=quant_type)]
    _replace_nodes(proto, replacements)
    _ms_opset(proto)
    return proto, dequant


def check(proto) -> None:
    """onnx.checker without the contrib ops (it does not know com.microsoft schemas)."""
    onnx.checker.check_model(proto)
