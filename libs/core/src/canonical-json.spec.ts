import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, sameJson } from './canonical-json';

describe('canonicalJson', () => {
  it('sorts object keys at every level and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('gives the same text for the same content written in another key order', () => {
    expect(canonicalJson({ url: 'u', version: '1', item: [{ linkId: 'q1', text: 'T' }] })).toBe(canonicalJson({ item: [{ text: 'T', linkId: 'q1' }], version: '1', url: 'u' }));
  });

  it('leaves out undefined members and writes undefined in an array as null, as JSON.stringify does', () => {
    expect(canonicalJson({ a: undefined, b: [undefined, 1] })).toBe('{"b":[null,1]}');
    expect(JSON.parse(canonicalJson({ a: undefined, b: [undefined, 1] }))).toEqual(JSON.parse(JSON.stringify({ a: undefined, b: [undefined, 1] })));
  });

  it('writes scalars and strings as JSON does (escapes included)', () => {
    expect(canonicalJson('a "b"\n')).toBe(JSON.stringify('a "b"\n'));
    expect(canonicalJson(0)).toBe('0');
    expect(canonicalJson(false)).toBe('false');
    expect(canonicalJson(null)).toBe('null');
  });

  it('keeps the content hashes already stored: a rule set hashes as before', () => {
    // The hash recorded for this small document before the helper moved here; a change would orphan stored hashes.
    const document = { id: 'r', rules: [{ kind: 'threshold', id: 'spo2-low', threshold: 90 }] };
    expect(`sha256:${createHash('sha256').update(canonicalJson(document)).digest('hex')}`).toBe(
      `sha256:${createHash('sha256').update('{"id":"r","rules":[{"id":"spo2-low","kind":"threshold","threshold":90}]}').digest('hex')}`,
    );
  });
});

describe('sameJson', () => {
  it('is true for the same content in another key order and false for another value', () => {
    expect(sameJson({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 })).toBe(true);
    expect(sameJson({ a: 1, b: [1, 2] }, { a: 1, b: [2, 1] })).toBe(false);
  });

  it('treats a member set to undefined as absent', () => {
    expect(sameJson({ a: 1, status: undefined }, { a: 1 })).toBe(true);
  });
});
