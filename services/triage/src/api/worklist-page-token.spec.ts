import { describe, expect, it } from 'vitest';
import { ValidationError } from '@varde/core';
import { decodePageToken, encodePageToken } from './worklist-page-token';

describe('worklist page token', () => {
  const cursor = { colour: 'red', since: '2026-11-01T08:00:00.123Z', patientId: '0b7f3c1e-5d2a-4c59-9f1e-2a6b8c4d0e11' } as const;

  it('round-trips the cursor, and an empty token means the first page', () => {
    expect(decodePageToken(encodePageToken(cursor))).toEqual(cursor);
    expect(decodePageToken('')).toBeUndefined();
  });

  it.each(['not-a-token', Buffer.from('{"a":1}').toString('base64url'), Buffer.from('["blue","2026-11-01T08:00:00Z","0b7f3c1e-5d2a-4c59-9f1e-2a6b8c4d0e11"]').toString('base64url'), Buffer.from('["red","yesterday","x"]').toString('base64url')])(
    'rejects %s naming page_token',
    (token) => {
      expect(() => decodePageToken(token)).toThrow(ValidationError);
      expect(() => decodePageToken(token)).toThrow(/next_page_token/);
    },
  );
});
