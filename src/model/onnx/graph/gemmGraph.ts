/**
 * A one-node ONNX model, C = Gemm(A, B) with transA/transB, float64, every dimension symbolic:
 * what the products thread runs to multiply matrices with ONNX Runtime's GEMM (productsServer.ts).
 * Written as protobuf wire bytes directly (ModelProto → GraphProto → NodeProto, ValueInfoProto),
 * as the splicing code writes its outputs.
 */
import { concatBytes as concat, encodeVarint } from './wire';

const FLOAT64 = 11; // TensorProto.DataType.DOUBLE
const ATTRIBUTE_INT = 2; // AttributeProto.AttributeType.INT
const OPSET = 17;

export function gemmModel(transA: boolean, transB: boolean): Uint8Array {
  const node = [
    bytesField(1, text('A')), bytesField(1, text('B')), bytesField(2, text('C')), bytesField(3, text('gemm')), bytesField(4, text('Gemm')),
    bytesField(5, intAttribute('transA', transA ? 1 : 0)), bytesField(5, intAttribute('transB', transB ? 1 : 0)),
  ];
  const graph = [
    bytesField(1, concat(node)), bytesField(2, text('products')),
    bytesField(11, valueInfo('A', ['a0', 'a1'])), bytesField(11, valueInfo('B', ['b0', 'b1'])), bytesField(12, valueInfo('C', ['c0', 'c1'])),
  ];
  const opset = concat([bytesField(1, new Uint8Array(0)), varintField(2, OPSET)]);
  return concat([varintField(1, 8), bytesField(2, text('markov-lens')), bytesField(8, opset), bytesField(7, concat(graph))]);
}

/** ValueInfoProto{name, type: TypeProto{tensor_type: {elem_type: double, shape: symbolic dims}}}. */
function valueInfo(name: string, dims: string[]): Uint8Array {
  const shape = concat(dims.map(d => bytesField(1, bytesField(2, text(d)))));
  const tensor = concat([varintField(1, FLOAT64), bytesField(2, shape)]);
  return concat([bytesField(1, text(name)), bytesField(2, bytesField(1, tensor))]);
}

function intAttribute(name: string, value: number): Uint8Array {
  return concat([bytesField(1, text(name)), varintField(20, ATTRIBUTE_INT), varintField(3, value)]);
}

function text(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

function varintField(number: number, value: number): Uint8Array {
  return concat([encodeVarint(number * 8), encodeVarint(value)]);
}

function bytesField(number: number, payload: Uint8Array): Uint8Array {
  return concat([encodeVarint(number * 8 + 2), encodeVarint(payload.length), payload]);
}

