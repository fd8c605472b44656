/**
 * Models in the Hugging Face cache, found from the folder layout alone (names, links and sizes; no
 * file is read but `refs/*`): `<hub>/models--<org>--<name>/snapshots/<revision>/`, whose files link to
 * `../../blobs/<hash>`. The hub folder is huggingface_hub's: HF_HUB_CACHE, else HF_HOME/hub, else
 * $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { resolveModelFiles } from './folder';

export interface HubSnapshot {
  /** The snapshot folder (what markovLens.modelPath gets). */
  dir: string;
  /** "org/name" as on the Hub. */
  repo: string;
  revision: string;
  /** The ref naming this revision ("main"), when one does. */
  ref?: string;
}

/** The hub cache folder huggingface_hub uses for this environment. */
export function hubCacheDir(env: Record<string, string | undefined>, home: string): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  if (env.HUGGINGFACE_HUB_CACHE) return env.HUGGINGFACE_HUB_CACHE;
  if (env.HF_HOME) return join(env.HF_HOME, 'hub');
  return join(env.XDG_CACHE_HOME || join(home, '.cache'), 'huggingface', 'hub');
}

/**
 * The cached model snapshots that hold an ONNX graph and a tokenizer.json (the engine's own file
 * rule, by existence only). Per repository the revisions refs point at, else every snapshot.
 * A missing or unreadable cache gives none.
 */
export function findHubModels(hub: string): HubSnapshot[] {
  const found: HubSnapshot[] = [];
  for (const entry of list(hub).filter(n => n.startsWith('models--')).sort()) {
    const repoDir = join(hub, entry);
    const repo = entry.slice('models--'.length).split('--').join('/');
    const refs = readRefs(join(repoDir, 'refs'));
    const snapshots = list(join(repoDir, 'snapshots')).sort();
    const referenced = snapshots.filter(s => refs.has(s));
    for (const revision of referenced.length ? referenced : snapshots) {
      const dir = join(repoDir, 'snapshots', revision);
      if (!isUsableLayout(dir)) continue;
      found.push({ dir, repo, revision, ...(refs.has(revision) ? { ref: refs.get(revision) } : {}) });
    }
  }
  return found;
}

/** Graph and tokenizer present (links followed, nothing opened). */
function isUsableLayout(dir: string): boolean {
  try {
    resolveModelFiles(dir);
    return true;
  } catch {
    return false;
  }
}

/** revision -> ref name, from refs/<name> files (each holds a commit hash). */
function readRefs(dir: string): Map<string, string> {
  const refs = new Map<string, string>();
  for (const name of list(dir)) {
    try {
      const path = join(dir, name);
      if (!statSync(path).isFile() || statSync(path).size > 256) continue;
      const revision = readFileSync(path, 'utf8').trim();
      if (/^[0-9a-f]{7,64}$/i.test(revision) && !refs.has(revision)) refs.set(revision, name);
    } catch {
      // an unreadable ref names nothing
    }
  }
  return refs;
}

function list(dir: string): string[] {
  try {
    return existsSync(dir) && statSync(dir).isDirectory() ? readdirSync(dir) : [];
  } catch {
    return [];
  }
}
