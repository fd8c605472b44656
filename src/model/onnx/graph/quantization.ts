/**
 * What kind of quantized arithmetic a graph uses, read from its op types: 4-bit weight formats
 * (MatMulNBits, MatMulBnb4) dequantize exactly, so their numbers are the dequantized model's; dynamic
 * int8 (DynamicQuantizeLinear feeding MatMulInteger, DynamicQuantizeMatMul) also quantizes the
 * activations with one scale per run, so its numbers depend on which tokens share a run.
 */
import type { ModelScan } from './scan';

export interface GraphQuantization {
  /** Activations are quantized with a scale computed per run: results vary with the chunking. */
  activationsPerRun: boolean;
  /** A short description for people ("dynamic int8 (DynamicQuantizeLinear, MatMulInteger)"), or null. */
  label: string | null;
}

export function graphQuantization(scan: ModelScan): GraphQuantization {
  const ops = new Set(scan.nodes.map(n => n.opType));
  const parts: string[] = [];
  const activationsPerRun = ops.has('DynamicQuantizeLinear') || ops.has('DynamicQuantizeMatMul') || ops.has('DynamicQuantizeLSTM');
  if (activationsPerRun) parts.push(`dynamic int8 activations and weights (${[...ops].filter(o => /^Dynamic|^MatMulInteger/.test(o)).sort().join(', ')})`);
  else if (ops.has('MatMulInteger') || ops.has('QLinearMatMul')) parts.push('8-bit weights');
  const nbits = scan.nodes.find(n => n.opType === 'MatMulNBits');
  if (nbits) {
    const bits = nbits.attributes.find(a => a.name === 'bits')?.i ?? 4;
    const block = nbits.attributes.find(a => a.name === 'block_size')?.i;
    parts.push(`${bits}-bit weights (MatMulNBits${block ? `, blocks of ${block}` : ''})`);
  }
  if (ops.has('MatMulBnb4')) parts.push('4-bit weights (MatMulBnb4)');
  return { activationsPerRun, label: parts.length ? parts.join('; ') : null };
}
