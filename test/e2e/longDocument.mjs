// A long plain-English document for the render-time measurement: deterministic, varied lines.
const WORDS = ('the of and a to in is that for it as was with be by on not he this are or his from at which ' +
  'but have an they you were her she there one all we their been has would when who will more no if out so ' +
  'model token surprise entropy language window stride context document heatmap editor panel').split(' ');

/** About `tokens` tokens of text for a byte-level BPE (roughly one token per word or punctuation). */
export function longDocument(tokens) {
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const lines = [];
  let count = 0;
  while (count < tokens) {
    const n = 6 + Math.floor(next() * 12);
    const words = Array.from({ length: n }, () => WORDS[Math.floor(next() * WORDS.length)]);
    words[0] = words[0][0].toUpperCase() + words[0].slice(1);
    lines.push(words.join(' ') + '.');
    count += n + 2;
  }
  return lines.join('\n') + '\n';
}
