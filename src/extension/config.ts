/**
 * One typed reader for the `markovLens.*` settings, with the workspace-trust rule: in an untrusted
 * workspace a model folder set by the workspace is ignored (it would make us load and run files the
 * workspace chose), and only the user's own value or the bundled model is used.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { booleanSetting, MAX_DEEP_SURPLUS, wholeNumberSetting } from './settingValues';
import { DEFAULT_TOP_K, DEFAULT_WINDOW_MEMORY_MB } from '../core/defaults';
import { GEOMETRY_DEFAULTS, type GeometryOptions } from '../core/geometry';
import { type HeatMetric, isHeatMetric } from '../core/heat';
import { DEFAULT_HEAT_SCALE, type HeatScaleKind, isHeatScale } from '../core/heatScale';
import type { AnalysisSettings } from './staleness';

export const SECTION = 'markovLens';

export interface MarkovLensConfig {
  /** Absolute model folder actually used (trust rule applied, bundled model when empty). */
  modelPath: string;
  /** True when a workspace value for the model folder was set but ignored (untrusted workspace). */
  workspaceModelPathIgnored: boolean;
  onnxVariant: string;
  topK: number;
  /** 0 = the engine's default (the model's context length, capped). */
  window: number;
  /** 0 = the engine's default (window / 2). */
  stride: number;
  /** Memory the default window may take (MB) before it is capped below the model's context. */
  windowMemoryMB: number;
  heatmapMetric: HeatMetric;
  heatmapScale: HeatScaleKind;
  decorations: boolean;
  maxFileSizeKB: number;
  /** What the markovLens.geometry.* settings ask of geometry runs (deepSurplus, contextAblation). */
  geometry: GeometryOptions;
  executionProviders: string[];
  /** ONNX Runtime intra-op threads; 0: the engine chooses by the model's size. */
  threads: number;
  /** One line per setting that held a wrong type or an out-of-range number, and what is used instead. */
  settingProblems: string[];
}

/** Settings whose change means the loaded model must be reloaded. */
export const MODEL_KEYS = ['modelPath', 'onnxVariant', 'executionProviders', 'threads'] as const;

export function bundledModelPath(extensionPath: string): string {
  return path.join(extensionPath, 'models', 'default');
}

/**
 * Resolves a model path as a user would mean it: `~` is home, relative is workspace-relative. In an
 * untrusted workspace a relative path would load a model the workspace ships, so it is not honoured.
 */
export function resolveModelPath(value: string, extensionPath: string, trusted = true): string {
  const trimmed = value.trim();
  if (!trimmed) return bundledModelPath(extensionPath);
  if (trimmed === '~' || trimmed.startsWith('~/')) return path.join(process.env.HOME ?? '', trimmed.slice(1));
  if (path.isAbsolute(trimmed)) return trimmed;
  if (!trusted) return bundledModelPath(extensionPath);
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  return root ? path.join(root, trimmed) : path.resolve(trimmed);
}

export function readConfig(extensionPath: string): MarkovLensConfig {
  const c = vscode.workspace.getConfiguration(SECTION);
  const inspected = c.inspect<string>('modelPath');
  const trusted = vscode.workspace.isTrusted;
  // VS Code already drops restricted workspace values when untrusted; we do not rely on that alone.
  const modelSetting = trusted
    ? c.get<string>('modelPath', '')
    : inspected?.globalValue ?? inspected?.defaultValue ?? '';
  const metric = c.get<string>('heatmapMetric', 'nll');
  const scale = c.get<string>('heatmapScale', DEFAULT_HEAT_SCALE);
  const settingProblems: string[] = [];
  const whole = (key: string, fallback: number, min: number, max: number) =>
    wholeNumberSetting(key, c.get<unknown>(key, fallback), fallback, min, max, settingProblems);
  return {
    modelPath: resolveModelPath(modelSetting, extensionPath, trusted),
    workspaceModelPathIgnored: !trusted && workspaceSetsModelPath(),
    onnxVariant: c.get<string>('onnxVariant', ''),
    topK: whole('topK', DEFAULT_TOP_K, 1, 100),
    window: whole('window', 0, 0, 1 << 20),
    stride: whole('stride', 0, 0, 1 << 20),
    windowMemoryMB: whole('windowMemoryMB', DEFAULT_WINDOW_MEMORY_MB, 64, 1 << 20),
    heatmapMetric: isHeatMetric(metric) ? metric : 'nll',
    heatmapScale: isHeatScale(scale) ? scale : DEFAULT_HEAT_SCALE,
    decorations: c.get<boolean>('decorations.enabled', true),
    maxFileSizeKB: whole('maxFileSizeKB', 1024, 1, 1 << 22),
    geometry: {
      deepSurplus: whole('geometry.deepSurplus', GEOMETRY_DEFAULTS.deepSurplus, 0, MAX_DEEP_SURPLUS),
      contextAblation: booleanSetting('geometry.contextAblation', c.get<unknown>('geometry.contextAblation', false), GEOMETRY_DEFAULTS.contextAblation, settingProblems),
    },
    executionProviders: c.get<string[]>('executionProviders', ['cpu']).filter(s => typeof s === 'string' && s),
    threads: whole('threads', 0, 0, 256),
    settingProblems,
  };
}

/** The settings that decide an analysis's numbers, for stale detection (staleness.ts). */
export function analysisSettings(c: MarkovLensConfig): AnalysisSettings {
  return {
    modelPath: c.modelPath, onnxVariant: c.onnxVariant, executionProviders: [...c.executionProviders],
    topK: c.topK, window: c.window, stride: c.stride,
    deepSurplus: c.geometry.deepSurplus ?? 0, contextAblation: c.geometry.contextAblation ?? false,
  };
}

/**
 * Whether workspace settings mention markovLens.modelPath. Needed because VS Code hides restricted
 * workspace values entirely in an untrusted workspace (inspect() does not return them), yet we want to
 * tell the user their setting is being ignored. Heuristic: the key appears in the settings file.
 */
function workspaceSetsModelPath(): boolean {
  const files = (vscode.workspace.workspaceFolders ?? []).map(f => vscode.Uri.joinPath(f.uri, '.vscode', 'settings.json'));
  if (vscode.workspace.workspaceFile) files.push(vscode.workspace.workspaceFile);
  return files.some(uri => {
    if (uri.scheme !== 'file') return false;
    try {
      return /"markovLens\.modelPath"\s*:\s*"[^"]/.test(fs.readFileSync(uri.fsPath, 'utf8'));
    } catch {
      return false;
    }
  });
}
