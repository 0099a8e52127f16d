import { describe, expect, it } from 'vitest';
import { withoutBitmapScans } from './postgres-message-bus';

describe("the embedded bus's connection", () => {
  it('turns bitmap scans off and keeps the server options a URL already carries', () => {
    expect(new URL(withoutBitmapScans('postgres://u:p@db:5432/varde')).searchParams.get('options')).toBe('-c enable_bitmapscan=off');
    const url = new URL(withoutBitmapScans('postgres://u:p@db:5432/varde?options=-c%20statement_timeout%3D5000&sslmode=require'));
    expect(url.searchParams.get('options')).toBe('-c statement_timeout=5000 -c enable_bitmapscan=off');
    expect(url.searchParams.get('sslmode')).toBe('require');
  });
});
