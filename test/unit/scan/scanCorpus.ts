/** A small corpus for the scan tests: text files of several lengths and kinds, in nested folders. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const repo = join(__dirname, '..', '..', '..', '..');
export const gpt2 = join(repo, 'test', 'fixtures', 'models', 'gpt2-bytelevel');
/** The CLI as tsc builds it (out/src/cli/main.js runs main() when started as a program). */
export const cliScript = join(repo, 'out', 'src', 'cli', 'main.js');

export function writeTree(root: string, files: Record<string, string | Uint8Array>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

/** `count` text files cut from the project's README (lengths from a line to a few windows of the fixture model). */
export function textFiles(count: number, prefix = ''): Record<string, string> {
  const source = readFileSync(join(repo, 'README.md'), 'utf8');
  const files: Record<string, string> = {};
  for (let i = 0; i < count; i++) {
    const start = (i * 997) % (source.length - 2000);
    const length = 20 + ((i * 331) % 600);
    const folder = ['', 'docs/', 'src/deep/', 'notes/'][i % 4];
    files[`${prefix}${folder}file-${String(i).padStart(2, '0')}.${['txt', 'md', 'py'][i % 3]}`] = source.slice(start, start + length);
  }
  return files;
}
