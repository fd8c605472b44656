/**
 * Chart colours from the VS Code theme (CSS variables on the webview's root). Canvas drawing cannot
 * use var(), so the values are read here and read again when the body's theme class changes.
 */
import type { ThemeColours } from './chartConfig';
import { parseColour, type Rgb } from './colours';

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim()
    || getComputedStyle(document.body).getPropertyValue(name).trim();
  return v || fallback;
}

export function readThemeColours(): ThemeColours {
  const stop = (name: string, fallback: Rgb): Rgb => parseColour(cssVar(name, '')) ?? fallback;
  return {
    foreground: cssVar('--vscode-foreground', '#888888'),
    grid: cssVar('--vscode-charts-lines', 'rgba(128, 128, 128, 0.3)'),
    lambda: cssVar('--vscode-charts-blue', '#3794ff'),
    rho: cssVar('--vscode-charts-orange', '#d18616'),
    curve: cssVar('--vscode-charts-green', '#89d185'),
    nullBand: cssVar('--vscode-charts-purple', '#b180d7'),
    sparse: cssVar('--vscode-disabledForeground', 'rgba(128, 128, 128, 0.6)'),
    // Low values blue, middle yellow, high red: the theme's own chart colours.
    ramp: [stop('--vscode-charts-blue', [55, 148, 255]), stop('--vscode-charts-yellow', [204, 167, 0]), stop('--vscode-charts-red', [241, 76, 76])],
  };
}

/** Calls `onChange` when VS Code switches the theme (it swaps the body's vscode-light/dark class). */
export function onThemeChange(onChange: () => void): void {
  new MutationObserver(onChange).observe(document.body, { attributes: true, attributeFilter: ['class'] });
}
