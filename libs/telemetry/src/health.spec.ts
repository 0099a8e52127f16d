import { describe, expect, it } from 'vitest';
import { HealthRegistry } from './health';

const never = () => new Promise<boolean>(() => undefined);

describe('HealthRegistry', () => {
  it('is live and ready when every check is up', async () => {
    const health = new HealthRegistry();
    health.register('postgres', async () => true, { critical: true });
    health.register('kafka', async () => true, { critical: true });

    expect(health.live()).toEqual({ status: 'ok' });
    expect(await health.ready()).toEqual({ status: 'ok', checks: { postgres: 'up', kafka: 'up' } });
  });

  it('is unavailable when a critical check fails, throws or hangs past the timeout', async () => {
    const health = new HealthRegistry(50);
    health.register('postgres', async () => false, { critical: true });
    health.register('kafka', async () => {
      throw new Error('broker down');
    }, { critical: true });
    health.register('kurrentdb', never, { critical: true });

    const started = Date.now();
    const report = await health.ready();

    expect(report).toEqual({ status: 'unavailable', checks: { postgres: 'down', kafka: 'down', kurrentdb: 'down' } });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('stays ready when only a non-critical check is down, and says which', async () => {
    const health = new HealthRegistry(50);
    health.register('postgres', async () => true, { critical: true });
    health.register('otlp-collector', never, { critical: false });

    expect(await health.ready()).toEqual({ status: 'ok', checks: { postgres: 'up', 'otlp-collector': 'down' } });
  });

  it('bounds a hung check by 1.5 s by default', async () => {
    const health = new HealthRegistry();
    health.register('postgres', never, { critical: true });

    const started = Date.now();
    expect((await health.ready()).checks).toEqual({ postgres: 'down' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it('reports unavailable once shutting down, while liveness stays ok', async () => {
    const health = new HealthRegistry();
    health.register('postgres', async () => true, { critical: true });
    health.markShuttingDown();

    expect(health.shuttingDown).toBe(true);
    expect(await health.ready()).toEqual({ status: 'unavailable', checks: { postgres: 'up' } });
    expect(health.live()).toEqual({ status: 'ok' });
  });

  it('refuses the same check name twice', () => {
    const health = new HealthRegistry();
    health.register('postgres', async () => true, { critical: true });

    expect(() => health.register('postgres', async () => true, { critical: false })).toThrow(/already registered/);
  });
});
