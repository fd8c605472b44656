/**
 * The files a scan covers: every regular file under the given paths, in a fixed order (entries
 * sorted by code unit in each folder), skipping `.git` folders, symbolic links, what the
 * `.gitignore` files inside the scanned folders exclude (git's rules: a deeper file may re-include,
 * nothing under an excluded folder comes back), and what --include / --exclude say. Paths are
 * relative to the scanned root, with '/' separators, so they are the same on every machine.
 */
import { existsSync, lstatSync, readdirSync, readFileSync, statSync, type Stats } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { minimatch } from 'minimatch';
import { InputError } from '../../core/errors';

export interface FoundFile {
  /** Relative to the root, '/' separators. */
  path: string;
  absolute: string;
  size: number;
  /** A folder that could not be listed: its line says why. */
  error?: string;
}

export interface WalkOptions {
  include: readonly string[];
  exclude: readonly string[];
  /** Absolute paths never scanned (the scan's own output files). */
  skip?: ReadonlySet<string>;
}

interface Rules {
  /** Folder of the .gitignore, relative to the root ('' = the root), '/'-terminated unless ''. */
  base: string;
  rules: Ignore;
}

/**
 * The root paths are relative to: the folder itself when one folder is scanned, else the deepest
 * folder holding every path (the parent of a single file).
 */
export function scanRoot(paths: readonly string[]): string {
  const absolute = paths.map(p => resolve(p));
  for (const p of absolute) if (!existsSync(p)) throw new InputError(`${p}: not found`, 'document-missing', p);
  if (absolute.length === 1 && statSync(absolute[0]).isDirectory()) return absolute[0];
  let root = statSync(absolute[0]).isDirectory() ? absolute[0] : dirname(absolute[0]);
  for (const p of absolute.slice(1)) while (p !== root && !p.startsWith(root.endsWith(sep) ? root : root + sep)) root = dirname(root);
  return root;
}

const posix = (p: string): string => p.split(sep).join('/');

function globMatcher(globs: readonly string[]): (path: string) => boolean {
  const tests = globs.map(g => {
    // A pattern without a slash matches the name at any depth, as in .gitignore.
    const pattern = g.includes('/') ? g.replace(/^\.\//, '') : `**/${g}`;
    return (p: string) => minimatch(p, pattern, { dot: true });
  });
  return path => tests.some(t => t(path));
}

/** Files under `paths`, sorted per folder, walked lazily (a folder is read when reached). */
export function* walkFiles(root: string, paths: readonly string[], options: WalkOptions): Generator<FoundFile> {
  const included = options.include.length ? globMatcher(options.include) : () => true;
  const excluded = globMatcher(options.exclude);
  const seen = new Set<string>();
  const file = (absolute: string, stat: Stats): FoundFile | undefined => {
    const path = posix(relative(root, absolute));
    if (seen.has(path) || options.skip?.has(absolute) || excluded(path) || !included(path)) return undefined;
    seen.add(path);
    return { path, absolute, size: stat.size };
  };
  for (const given of [...paths].map(p => resolve(p)).sort()) {
    const stat = lstatSync(given);
    if (stat.isFile()) {
      const f = file(given, stat);
      if (f) yield f;
    } else if (stat.isDirectory()) {
      yield* walkFolder(root, given, rulesAbove(root, given), file, excluded);
    }
  }
}

/** The .gitignore files between the root and a folder given inside it (the folder's own is read on entry). */
function rulesAbove(root: string, folder: string): Rules[] {
  const rules: Rules[] = [];
  const rel = posix(relative(root, folder));
  const parts = rel ? rel.split('/') : [];
  for (let i = 0; i < parts.length; i++) {
    const dir = join(root, ...parts.slice(0, i));
    const r = readRules(dir, parts.slice(0, i).join('/'));
    if (r) rules.push(r);
  }
  return rules;
}

function readRules(dir: string, relDir: string): Rules | undefined {
  const path = join(dir, '.gitignore');
  let text: string;
  try {
    if (!lstatSync(path).isFile()) return undefined;
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  return { base: relDir ? `${relDir}/` : '', rules: ignore().add(text) };
}

/** git's answer for a path: the deepest .gitignore that has an opinion wins. */
function ignoredBy(rules: readonly Rules[], path: string, folder: boolean): boolean {
  let ignored = false;
  for (const r of rules) {
    if (!path.startsWith(r.base)) continue;
    const own = path.slice(r.base.length) + (folder ? '/' : '');
    const t = r.rules.test(own);
    if (t.ignored) ignored = true;
    else if (t.unignored) ignored = false;
  }
  return ignored;
}

/** `base`: the scan root (paths are relative to it); `start`: the folder being read. */
function* walkFolder(base: string, start: string, inherited: Rules[], file: (absolute: string, stat: Stats) => FoundFile | undefined,
  excluded: (path: string) => boolean): Generator<FoundFile> {
  const relDir = posix(relative(base, start));
  const own = readRules(start, relDir);
  const rules = own ? [...inherited, own] : inherited;
  let names: string[];
  try {
    names = readdirSync(start).sort();
  } catch (e) {
    yield { path: relDir || '.', absolute: start, size: 0, error: `cannot list the folder: ${(e as NodeJS.ErrnoException).code ?? String(e)}` };
    return;
  }
  for (const name of names) {
    if (name === '.git') continue;
    const absolute = join(start, name);
    const path = relDir ? `${relDir}/${name}` : name;
    let stat: Stats;
    try {
      stat = lstatSync(absolute);
    } catch {
      continue;
    }
    if (stat.isSymbolicLink()) continue;
    if (stat.isDirectory()) {
      if (ignoredBy(rules, path, true) || excluded(path)) continue;
      yield* walkFolder(base, absolute, rules, file, excluded);
    } else if (stat.isFile() && !ignoredBy(rules, path, false)) {
      const f = file(absolute, stat);
      if (f) yield f;
    }
  }
}
