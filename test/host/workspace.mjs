// The sample workspace both real-host suites open, and the model they use.
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoRoot } from './codeServer.mjs';

/** Plain English with indentation, a tab, CRLF-free newlines, and a non-ASCII word. */
export const SAMPLE_TEXT = [
  'The quick brown fox jumps over the lazy dog.',
  'A language model reads text one token at a time,',
  '  and at each step it predicts what comes next.',
  '',
  'Tokens it expected are cool; surprises are hot.\tCafé au lait.',
  'The end.',
  '',
].join('\n');

/**
 * A text in which one made-up sentence occurs twice (issue 19): a model that copies from its context
 * pays much less for the second occurrence, so the README's screenshot shows it cooler.
 */
export const REPEAT_FILE = 'harbour.txt';
export const REPEAT_SENTENCE = 'the ferry to Marrow Island leaves at seven, after the keeper has counted the gulls on the breakwater';
export const REPEAT_TEXT = [
  'Harbour notes',
  '',
  `Every weekday ${REPEAT_SENTENCE}.`,
  'Nobody remembers who started the count. The keeper says it was her grandfather, who kept',
  'a ledger of birds, tides and passengers in the same small hand, and who believed that a',
  'harbour is understood only by someone who writes down the same things every day.',
  '',
  'Visitors find the routine strange at first. The ferry is often ready long before seven,',
  'the engine running and the ropes already loose, and still it waits. Most of them learn',
  'to bring a coffee and watch the water while the numbers are written down.',
  '',
  `Ask anyone on the quay and they will tell you: ${REPEAT_SENTENCE}.`,
  '',
].join('\n');

/**
 * Mean NLL of the tokens overlapping each occurrence of REPEAT_SENTENCE, the first token of each dropped
 * (nothing announces the sentence), as the recipe's probe measures a phrase: [first, second].
 */
export function repeatCosts(spans, nlls) {
  const starts = [REPEAT_TEXT.indexOf(REPEAT_SENTENCE), REPEAT_TEXT.lastIndexOf(REPEAT_SENTENCE)];
  const offsets = [];
  let at = 0;
  for (const span of spans) { offsets.push([at, at + span.length]); at += span.length; }
  return starts.map(start => {
    const end = start + REPEAT_SENTENCE.length;
    const inside = nlls.filter((_, i) => offsets[i][0] < end && offsets[i][1] > start).slice(1);
    return inside.reduce((a, b) => a + b, 0) / inside.length;
  });
}

/** The bundled model once it is trained, else the tiny GPT-2 fixture. */
export function testModelPath() {
  if (process.env.MARKOV_LENS_TEST_MODEL) return process.env.MARKOV_LENS_TEST_MODEL;
  for (const dir of ['models/default', 'test/fixtures/models/gpt2-bytelevel']) {
    const abs = join(repoRoot, dir);
    if (existsSync(join(abs, 'config.json'))) return abs;
  }
  throw new Error('no model to test with: models/default and test/fixtures/models/gpt2-bytelevel are both missing');
}

export function writeSampleWorkspace(dir, extraFiles = {}) {
  const files = {
    'sample.txt': SAMPLE_TEXT,
    // Markup in a document must reach the panel as text, never as HTML.
    'notes.md': '# Notes\n\nMarkdown works too: *any* text document.\n<b>bold</b> <img src=x onerror="document.title=1">\n',
    ...extraFiles,
  };
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  // A binary file (PNG signature plus NUL bytes) that must be refused.
  writeFileSync(join(dir, 'image.bin'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]));
  return dir;
}

/**
 * The folders the folder-scan scenarios analyse: `corpus` (text of several kinds, a binary file, an
 * empty file, a file its .gitignore excludes, a nested folder) and `corpus-large` (30 files of a few
 * thousand tokens, long enough to watch rows stream in and to cancel).
 */
export function scanCorpusFiles(longDocument) {
  const files = {
    'corpus/.gitignore': 'ignored.txt\n',
    'corpus/ignored.txt': 'This file is ignored by git, so the scan leaves it out.\n',
    'corpus/sample.txt': SAMPLE_TEXT,
    'corpus/empty.txt': '',
    'corpus/code.py': 'def add(a, b):\n    """Return the sum."""\n    return a + b\n\n\nprint(add(2, 3))\n',
    'corpus/nested/deeper.md': '# Deeper\n\nA nested folder is scanned too: <b>markup</b> stays text.\n',
    'corpus/nested/numbers.txt': '3 1 4 1 5 9 2 6 5 3 5 8 9 7 9 3 2 3 8 4 6 2 6 4 3 3 8 3 2 7 9 5\n',
  };
  for (let i = 0; i < 30; i++) files[`corpus-large/part-${String(i).padStart(2, '0')}.txt`] = longDocument(6_000 + 97 * i).slice(97 * i);
  return files;
}

export function writeScanCorpus(dir, longDocument) {
  for (const [name, content] of Object.entries(scanCorpusFiles(longDocument))) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  writeFileSync(join(dir, 'corpus', 'image.bin'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]));
}

/** The repository the fake Hugging Face cache holds (HF_HOME for the real-host suites). */
export const HUB_REPO = 'test-org/tiny-lm';

/**
 * A Hugging Face cache under `hfHome` in the hub layout (hub/models--org--name/snapshots/<rev>/ whose
 * files link to ../../blobs/), holding `modelDir`'s files as HUB_REPO at refs/main, plus a repository
 * with no tokenizer.json that the picker must leave out. Returns the snapshot folder.
 */
export function writeFakeHubCache(hfHome, modelDir) {
  const revision = '0123456789abcdef0123456789abcdef01234567';
  const repoDir = join(hfHome, 'hub', `models--${HUB_REPO.replace('/', '--')}`);
  const snapshot = join(repoDir, 'snapshots', revision);
  mkdirSync(join(repoDir, 'blobs'), { recursive: true });
  mkdirSync(join(repoDir, 'refs'), { recursive: true });
  writeFileSync(join(repoDir, 'refs', 'main'), revision);
  const link = (rel, source) => {
    const blob = join(repoDir, 'blobs', rel.replace(/\W/g, '_'));
    copyFileSync(source, blob);
    mkdirSync(dirname(join(snapshot, rel)), { recursive: true });
    symlinkSync(blob, join(snapshot, rel));
  };
  for (const name of readdirSync(modelDir)) {
    const p = join(modelDir, name);
    if (statSync(p).isFile() && /\.(json|onnx|onnx_data|data)$/.test(name)) link(name, p);
  }
  const broken = join(hfHome, 'hub', 'models--test-org--no-tokenizer', 'snapshots', revision);
  mkdirSync(broken, { recursive: true });
  writeFileSync(join(broken, 'config.json'), '{"model_type":"gpt2"}');
  writeFileSync(join(broken, 'model.onnx'), 'not a graph');
  return snapshot;
}

/** Prose with one passage of noise in the middle: the hot-spot scenarios' document. */
export function hotSpotText() {
  const prose = 'The model reads the text one token at a time and predicts what comes next. ';
  let seed = 7;
  const noise = Array.from({ length: 90 }, () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return 'qzxjvkwpfyg0183465QZXJ#%&@'[seed % 26];
  }).join('');
  return `${prose.repeat(6)}\n${prose.repeat(4)}\n${noise}\n${prose.repeat(6)}\n`;
}
