import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@varde/config';
import { afterAll, describe, expect, it } from 'vitest';
import { loadFeedConfig } from './feed.providers';

const dir = mkdtempSync(join(tmpdir(), 'feed-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const base = { PUBLIC_FEED_BROKERS: 'feed.example:9094', PUBLIC_FEED_USERNAME: 'varde-feed', PUBLIC_FEED_PASSWORD: 'secret' };
const problems = (env: Record<string, string>): string[] => {
  try {
    loadFeedConfig(env);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return [...error.problems];
  }
};

describe('the public feed’s TLS settings', () => {
  it('connects over plain TCP unless PUBLIC_FEED_TLS=true, then trusts the system’s CAs or the PEM bundle given', () => {
    expect(loadFeedConfig(base)?.ssl).toBeUndefined();
    expect(loadFeedConfig({ ...base, PUBLIC_FEED_TLS: 'true' })?.ssl).toBe(true);
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    expect(loadFeedConfig({ ...base, PUBLIC_FEED_TLS: 'true', PUBLIC_FEED_TLS_CA_FILE: ca })?.ssl).toEqual({ ca: [expect.stringContaining('BEGIN CERTIFICATE')] });
  });

  it('refuses to start with a CA file it cannot read or that holds no certificate, or without TLS, naming the setting', () => {
    expect(problems({ ...base, PUBLIC_FEED_TLS: 'true', PUBLIC_FEED_TLS_CA_FILE: join(dir, 'missing.pem') })).toEqual([expect.stringMatching(/^PUBLIC_FEED_TLS_CA_FILE: cannot read .*missing\.pem \(ENOENT\)$/)]);
    const junk = join(dir, 'junk.pem');
    writeFileSync(junk, 'not a certificate');
    expect(problems({ ...base, PUBLIC_FEED_TLS: 'true', PUBLIC_FEED_TLS_CA_FILE: junk })).toEqual([expect.stringContaining('PUBLIC_FEED_TLS_CA_FILE: ')]);
    expect(problems({ ...base, PUBLIC_FEED_TLS_CA_FILE: junk })).toEqual(['PUBLIC_FEED_TLS_CA_FILE: set only with PUBLIC_FEED_TLS=true (the CA is for a TLS listener)']);
    expect(problems({ ...base, PUBLIC_FEED_TLS: 'yes' })).toEqual([expect.stringMatching(/^PUBLIC_FEED_TLS: /)]);
  });
});
