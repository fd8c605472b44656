/** Colour arithmetic for the spectrum panel (pure): parsing theme colours and a linear colour ramp. */

export type Rgb = [number, number, number];

/** Parses #rgb, #rrggbb(aa) and rgb()/rgba() strings as CSS variables give them; undefined otherwise. */
export function parseColour(css: string): Rgb | undefined {
  const s = css.trim();
  let m = /^#([0-9a-f]{3})$/i.exec(s);
  if (m) return [0, 1, 2].map(i => parseInt(m![1][i] + m![1][i], 16)) as Rgb;
  m = /^#([0-9a-f]{6})([0-9a-f]{2})?$/i.exec(s);
  if (m) return [0, 2, 4].map(i => parseInt(m![1].slice(i, i + 2), 16)) as Rgb;
  m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/i.exec(s);
  if (m) return [Number(m[1]), Number(m[2]), Number(m[3])];
  return undefined;
}

/** Colour at position u ∈ [0, 1] (clamped) along the stops, linear in RGB. */
export function rampColour(stops: readonly Rgb[], u: number): string {
  if (stops.length === 0) return 'rgb(128, 128, 128)';
  const x = Math.min(1, Math.max(0, Number.isFinite(u) ? u : 0.5)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  if (i < 0) return rgb(stops[0]);
  const f = x - i;
  const a = stops[i];
  const b = stops[i + 1];
  return rgb([0, 1, 2].map(k => Math.round(a[k] + (b[k] - a[k]) * f)) as Rgb);
}

const rgb = (c: Rgb) => `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
