/**
 * The values the heat scale shows for a held analysis, and its hot spots, for the hot-spot views and
 * commands: computed once per result and metric (a result's tokens only change by replacement or by
 * appending, so the token count keys the cache), with tokens edited away since the analysis unknown.
 */
import * as vscode from 'vscode';
import { isCompareHeatMetric } from '../core/compare/heat';
import { type HeatMetric, metricValue } from '../core/heat';
import { DEFAULT_HOT_BUCKET, DEFAULT_HOT_SPAN, hotSpots, type HotSpot } from '../core/navigate/hotTokens';
import { SECTION } from './config';
import type { DocumentResult } from './results';

export interface HotSpotSettings {
  span: number;
  count: number;
  bucket: number;
}

export function hotSpotSettings(): HotSpotSettings {
  const c = vscode.workspace.getConfiguration(SECTION);
  const whole = (key: string, fallback: number, min: number, max: number) => {
    const v = Number(c.get<number>(key, fallback));
    return Number.isInteger(v) && v >= min && v <= max ? v : fallback;
  };
  return { span: whole('hotSpots.span', DEFAULT_HOT_SPAN, 1, 4096), count: whole('hotSpots.count', 20, 1, 200), bucket: whole('hotSpots.bucket', DEFAULT_HOT_BUCKET, 1, 7) };
}

/** The metric the heat scale of this result shows: a comparison's own when it is a base metric, else `metric`. */
export function shownMetric(result: DocumentResult, metric: HeatMetric): HeatMetric {
  const m = result.comparison?.metric;
  return m && !isCompareHeatMetric(m) ? (m as HeatMetric) : metric;
}

const valueCache = new WeakMap<DocumentResult, { key: string; values: Float64Array }>();
const spotCache = new WeakMap<DocumentResult, { key: string; spots: HotSpot[] }>();

/** Per token, the displayed value of `metric`; NaN where unknown or edited since the analysis. */
export function tokenValues(result: DocumentResult, metric: HeatMetric): Float64Array {
  const { tokens, spans } = result;
  const key = `${metric}:${tokens.length}:${spans.length}:${spans.liveCount}`;
  const hit = valueCache.get(result);
  if (hit?.key === key) return hit.values;
  const values = new Float64Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    values[i] = i < spans.length && spans.alive[i] ? metricValue(metric, t.nll, t.entropy, t.rank) : NaN;
  }
  valueCache.set(result, { key, values });
  return values;
}

/** The result's worst passages by mean NLL (the analysed text; reveal maps them to the live document). */
export function hotSpotsOf(result: DocumentResult, settings: HotSpotSettings): HotSpot[] {
  const key = `${settings.span}:${settings.count}:${result.tokens.length}`;
  const hit = spotCache.get(result);
  if (hit?.key === key) return hit.spots;
  const spots = hotSpots(result.text, result.tokens, settings.span, settings.count);
  spotCache.set(result, { key, spots });
  return spots;
}

/**
 * Selects tokens first..last of a result in its editor and scrolls them into view. False (with a
 * message) when they were edited away since the analysis.
 */
export async function revealTokens(result: DocumentResult, first: number, last: number, preserveFocus: boolean): Promise<vscode.TextEditor | undefined> {
  const { spans } = result;
  if (first < 0 || last >= spans.length || !spans.alive[first] || !spans.alive[last]) {
    void vscode.window.showInformationMessage('Markov Lens: that passage was edited since the analysis; re-run to update.');
    return undefined;
  }
  const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(result.uri));
  const range = new vscode.Range(document.positionAt(spans.starts[first]), document.positionAt(spans.ends[last]));
  const column = vscode.window.visibleTextEditors.find(e => e.document === document)?.viewColumn ?? vscode.ViewColumn.One;
  const editor = await vscode.window.showTextDocument(document, { viewColumn: column, preserveFocus });
  // The passage is selected with the cursor at its start (where reading begins, as the Problems view does).
  editor.selection = new vscode.Selection(range.end, range.start);
  editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  return editor;
}
