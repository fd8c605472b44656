import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeDocument, utf8Length } from '../../../src/core/document';
import { isInputError } from '../../../src/core/errors';

const bytes = (s: string) => new TextEncoder().encode(s);

test('decodes UTF-8 text and an empty file', () => {
  assert.equal(decodeDocument(bytes('héllo 😀'), 'a.txt'), 'héllo 😀');
  assert.equal(decodeDocument(new Uint8Array(0), 'a.txt'), '');
});

test('refuses NUL bytes, invalid UTF-8 and oversize input, naming the file', () => {
  const expect = (input: Uint8Array, code: string, max?: number) =>
    assert.throws(() => decodeDocument(input, 'dir/x.bin', max), (e: unknown) => isInputError(e) && e.code === code && e.message.startsWith('dir/x.bin: ') && !e.message.includes('\n'));
  expect(Uint8Array.from([0x61, 0x00, 0x62]), 'document-binary');
  expect(Uint8Array.from([0x61, 0xff, 0x62]), 'document-encoding');
  expect(Uint8Array.from([0x61, 0xe2, 0x82]), 'document-encoding'); // truncated sequence
  expect(bytes('12345'), 'document-too-large', 4);
  assert.equal(decodeDocument(bytes('1234'), 'x', 4), '1234');
});

test('utf8Length matches TextEncoder, including astral characters', () => {
  for (const s of ['', 'abc', 'é', '€', '😀', 'a😀b€é\n']) assert.equal(utf8Length(s), bytes(s).length);
});
