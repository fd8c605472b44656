/**
 * One line describing a model folder for pickers and views: family, layers, width, vocabulary,
 * context and size on disk, from its config.json (as the engine reads it) and a file-size sum.
 */

export interface ModelShape {
  /** config.json's model_type ("gpt2", "llama", …). */
  modelType: string;
  layers: number | undefined;
  hiddenSize: number | undefined;
  vocabSize: number | undefined;
  contextLength: number | undefined;
}

const count = (n: number) => n.toLocaleString('en-US');

/** "gpt2 · 4 layers × 192 · vocab 8,192 · context 1,024 · 14.7 MB"; unknown fields are left out. */
export function describeModel(shape: ModelShape, sizeBytes?: number): string {
  const parts = [shape.modelType || 'unknown family'];
  if (shape.layers !== undefined) parts.push(`${count(shape.layers)} layers${shape.hiddenSize !== undefined ? ` × ${count(shape.hiddenSize)}` : ''}`);
  else if (shape.hiddenSize !== undefined) parts.push(`width ${count(shape.hiddenSize)}`);
  if (shape.vocabSize !== undefined) parts.push(`vocab ${count(shape.vocabSize)}`);
  if (shape.contextLength !== undefined) parts.push(`context ${count(shape.contextLength)}`);
  if (sizeBytes !== undefined) parts.push(formatBytes(sizeBytes));
  return parts.join(' · ');
}

/** Bytes in decimal units, as file managers show them: "812 B", "14.7 MB", "1.24 GB". */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '? B';
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = -1;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[u]}`;
}
