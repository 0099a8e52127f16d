import { describe, expect, it } from 'vitest';
import { ConfigError, env, loadConfig } from './index';

describe('loadConfig', () => {
  const shape = { PORT: env.port(8101), DATABASE_URL: env.databaseUrl('postgres://localhost/varde'), KAFKA_BROKERS: env.list() };

  it('uses the embedded defaults when nothing is set', () => {
    expect(loadConfig(shape, {})).toEqual({ PORT: 8101, DATABASE_URL: 'postgres://localhost/varde', KAFKA_BROKERS: [] });
  });

  it('parses lists and numbers from the environment', () => {
    expect(loadConfig(shape, { PORT: '9000', KAFKA_BROKERS: 'a:9092, b:9092' })).toMatchObject({ PORT: 9000, KAFKA_BROKERS: ['a:9092', 'b:9092'] });
  });

  it('names every bad variable and what was expected', () => {
    try {
      loadConfig(shape, { PORT: 'eighty', DATABASE_URL: 'mysql://x' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toContain('PORT: expected a port number');
      expect((error as ConfigError).message).toContain('DATABASE_URL: expected a postgres:// URL');
    }
  });
});
