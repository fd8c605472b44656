/**
 * What makes shown numbers differ from what a fresh run would give: the settings an analysis was
 * run with against the current ones. Each difference is named for the user ("markovLens.topK changed
 * from 10 to 20"). Pure (no vscode import): unit-tested directly.
 */

/** The settings that decide an analysis's numbers (the heatmap's and the spectrum's). */
export interface AnalysisSettings {
  modelPath: string;
  onnxVariant: string;
  executionProviders: string[];
  topK: number;
  /** 0: the engine's default. */
  window: number;
  stride: number;
  /** The spectrum's inputs only. */
  deepSurplus: number;
  contextAblation: boolean;
}

export const EDITED = 'the document was edited since this analysis';

const show = (key: keyof AnalysisSettings, v: unknown): string => {
  if ((key === 'window' || key === 'stride') && v === 0) return 'the default';
  if (typeof v === 'string') return v === '' ? '(empty)' : `'${v}'`;
  if (Array.isArray(v)) return `[${v.join(', ')}]`;
  return String(v);
};

/** Keys whose change alters the heatmap's numbers (all of them also alter the spectrum's). */
const HEATMAP_KEYS: ReadonlyArray<keyof AnalysisSettings> = ['modelPath', 'onnxVariant', 'executionProviders', 'topK', 'window', 'stride'];
const SPECTRUM_KEYS: ReadonlyArray<keyof AnalysisSettings> = [...HEATMAP_KEYS, 'deepSurplus', 'contextAblation'];

const SETTING: Record<keyof AnalysisSettings, string> = {
  modelPath: 'markovLens.modelPath', onnxVariant: 'markovLens.onnxVariant', executionProviders: 'markovLens.executionProviders',
  topK: 'markovLens.topK', window: 'markovLens.window', stride: 'markovLens.stride',
  deepSurplus: 'markovLens.geometry.deepSurplus', contextAblation: 'markovLens.geometry.contextAblation',
};

/**
 * One line per setting that differs between `used` and `now`, for the heatmap (`spectrum` false:
 * only settings that change per-token numbers) or the spectrum (also its geometry settings).
 */
export function settingChanges(used: AnalysisSettings, now: AnalysisSettings, spectrum = false): string[] {
  const out: string[] = [];
  for (const key of spectrum ? SPECTRUM_KEYS : HEATMAP_KEYS) {
    const a = used[key];
    const b = now[key];
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    out.push(key === 'modelPath'
      ? `the model changed (${SETTING[key]} is now ${show(key, b)})`
      : `${SETTING[key]} changed from ${show(key, a)} to ${show(key, b)}`);
  }
  return out;
}
