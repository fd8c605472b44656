/**
 * Builds hostile model folders at test time: a copy of a working fixture with one fault put in.
 * Everything lands under one temp root that the suites remove afterwards.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { isInputError, type InputErrorCode } from '../../../src/core/errors';

export const FIXTURES = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'models');

const root = mkdtempSync(join(tmpdir(), 'ml-hostile-'));
let counter = 0;

/** A fresh temp folder (under the suite's root). */
export function scratch(name = 'dir'): string {
  return mkdtempSync(join(root, `${name}-${counter++}-`));
}

/** A copy of fixture `name`, then `fault(dir)` applied to it. */
export function faultyCopy(name: string, fault: (dir: string) => void): string {
  const dir = scratch(name);
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  fault(dir);
  return dir;
}

export function editJson(path: string, edit: (json: Record<string, unknown>) => void): void {
  const json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  edit(json);
  writeFileSync(path, JSON.stringify(json));
}

/** Replaces every occurrence of `from` in a binary file with `to` (same length keeps protobuf valid). */
export function replaceBytes(path: string, from: string, to: string): void {
  assert.equal(Buffer.byteLength(from), Buffer.byteLength(to), 'same-length replacement only');
  const bytes = readFileSync(path);
  const needle = Buffer.from(from);
  let at = bytes.indexOf(needle);
  assert.ok(at >= 0, `${from} not in ${path}`);
  while (at >= 0) {
    Buffer.from(to).copy(bytes, at);
    at = bytes.indexOf(needle, at + needle.length);
  }
  writeFileSync(path, bytes);
}

export function removeScratch(): void {
  rmSync(root, { recursive: true, force: true });
}

/**
 * Asserts `e` is the user-input error `code` whose one-line message names `subject` (a path or a
 * setting) and matches `problem`.
 */
export function assertInputError(e: unknown, code: InputErrorCode, subject: string, problem: RegExp): true {
  assert.ok(isInputError(e), `expected an InputError, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  assert.equal(e.code, code, e.message);
  assert.ok(e.message.includes(subject), `message names ${subject}: ${e.message}`);
  assert.match(e.message, problem);
  assert.ok(!e.message.includes('\n'), 'one line');
  return true;
}
