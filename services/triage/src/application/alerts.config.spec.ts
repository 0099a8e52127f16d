import { describe, expect, it } from 'vitest';
import { ConfigError } from '@varde/config';
import { loadAlertsConfig, redLimitFor } from './alerts.config';

describe('alerts configuration', () => {
  it('defaults to 30 minutes, a care-team → on-call chain and a 30 s scheduler', () => {
    const config = loadAlertsConfig({});
    expect(config).toMatchObject({ redAcknowledgeLimitSeconds: 1800, escalationChain: ['care-team', 'on-call'], escalationIntervalMs: 30_000 });
    expect(redLimitFor(config, 'copd')).toBe(1800);
  });

  it('reads the chain and per-pathway limits', () => {
    const config = loadAlertsConfig({ TRIAGE_RED_ACK_LIMIT_SECONDS: '600', TRIAGE_RED_ACK_LIMITS: 'heart-failure=900', TRIAGE_ESCALATION_CHAIN: 'team-a, team-b,on-call' });
    expect(config.escalationChain).toEqual(['team-a', 'team-b', 'on-call']);
    expect(redLimitFor(config, 'heart-failure')).toBe(900);
    expect(redLimitFor(config, 'copd')).toBe(600);
  });

  it('names the variable of a bad value', () => {
    expect(() => loadAlertsConfig({ TRIAGE_RED_ACK_LIMIT_SECONDS: 'soon' })).toThrow(ConfigError);
    expect(() => loadAlertsConfig({ TRIAGE_RED_ACK_LIMITS: 'copd:1800' })).toThrow(/TRIAGE_RED_ACK_LIMITS.*pathway=seconds/);
  });

  it("checks the worklist change feed's interval at start-up: 500 ms unless set, never a busy loop", () => {
    expect(loadAlertsConfig({}).worklistChangesIntervalMs).toBe(500);
    expect(loadAlertsConfig({ TRIAGE_WORKLIST_CHANGES_INTERVAL_MS: '2000' }).worklistChangesIntervalMs).toBe(2000);
    expect(() => loadAlertsConfig({ TRIAGE_WORKLIST_CHANGES_INTERVAL_MS: 'fast' })).toThrow(/TRIAGE_WORKLIST_CHANGES_INTERVAL_MS: expected milliseconds/);
    expect(() => loadAlertsConfig({ TRIAGE_WORKLIST_CHANGES_INTERVAL_MS: '0' })).toThrow(/TRIAGE_WORKLIST_CHANGES_INTERVAL_MS/);
  });
});
