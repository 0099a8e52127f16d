import { ConfigError } from '@varde/config';
import { describe, expect, it } from 'vitest';
import { DEVELOPMENT_IDENTITY_KEY, loadPathwaysConfig } from './pathways.module';

describe('IDENTITY_HMAC_KEY', () => {
  it.each([
    ['NODE_ENV=production, no key', { NODE_ENV: 'production' }, 'IDENTITY_HMAC_KEY: is not set'],
    ['NODE_ENV=production, the public key set explicitly', { NODE_ENV: 'production', IDENTITY_HMAC_KEY: DEVELOPMENT_IDENTITY_KEY }, 'is the public development key'],
    ['Kafka without NODE_ENV, no key', { KAFKA_BROKERS: 'kafka:9092' }, 'IDENTITY_HMAC_KEY: is not set'],
    ['production in embedded mode, no key', { NODE_ENV: 'production', KAFKA_BROKERS: '' }, 'IDENTITY_HMAC_KEY: is not set'],
  ])('refuses to start with the public development key: %s', (_case, env, message) => {
    expect(() => loadPathwaysConfig(env)).toThrow(ConfigError);
    expect(() => loadPathwaysConfig(env)).toThrow(message);
  });

  it.each([
    ['NODE_ENV=development', { NODE_ENV: 'development', KAFKA_BROKERS: 'localhost:19092' }],
    ['NODE_ENV=test', { NODE_ENV: 'test', KAFKA_BROKERS: 'localhost:19092' }],
    ['embedded mode without NODE_ENV (npm start)', {}],
  ])('accepts the development key in development: %s', (_case, env) => {
    expect(loadPathwaysConfig(env).IDENTITY_HMAC_KEY).toBe(DEVELOPMENT_IDENTITY_KEY);
  });

  it('accepts a real secret in production and refuses a short one, naming the variable', () => {
    expect(loadPathwaysConfig({ NODE_ENV: 'production', IDENTITY_HMAC_KEY: 'k'.repeat(48) }).IDENTITY_HMAC_KEY).toBe('k'.repeat(48));
    expect(() => loadPathwaysConfig({ NODE_ENV: 'production', IDENTITY_HMAC_KEY: 'short' })).toThrow('IDENTITY_HMAC_KEY: expected a secret of at least 16 characters');
  });
});
