import type { Principal } from '@varde/auth';
import { ForbiddenError } from '@varde/core';
import { describe, expect, it } from 'vitest';
import { discloseWhatIf, MIN_GROUP_SIZE } from './what-if.disclosure';
import type { WhatIfReport } from './what-if.service';

const totals = (alerts: number) => ({ alerts, colourChanges: 7, patientsWithAlerts: 2, endColours: { green: 10, yellow: 1, red: 0 }, onsetsByRule: { 'spo2-low': 3, 'hr-high': 9 } });
const outcome = (alerts: number) => ({ alerts, colourChanges: 1, evaluations: 3, endColour: 'green' as const, onsetsByRule: {} });
const report = (patients: number): WhatIfReport => ({
  pathwayId: 'copd',
  period: { from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' },
  published: { ruleSetId: 'copd-default', version: 1, contentHash: 'a' },
  candidate: { ruleSetId: 'copd-default', contentHash: 'b' },
  patients,
  evaluations: 100,
  totals: { published: totals(6), candidate: totals(2), difference: { alerts: -4, colourChanges: 0, patientsWithAlerts: 0 } },
  perPatient: [
    { patientId: 'ours', published: outcome(2), candidate: outcome(0) },
    { patientId: 'theirs', published: outcome(1), candidate: outcome(0) },
  ] as unknown as WhatIfReport['perPatient'],
  durationMs: 3,
});
const who = (role: Principal['role']): Principal => ({ subject: role, role, scopes: [], careTeams: role === 'clinician' ? ['copd-care-team'] : [] });
const ours = async (patientIds: readonly string[]) => new Set(patientIds.filter((id) => id === 'ours'));

describe('what-if disclosure', () => {
  it('shows a pathway designer no patient and suppresses counts from 1 to 4', async () => {
    const shown = await discloseWhatIf(report(12), who('pathway-designer'), ours);
    expect(shown.perPatient).toEqual([]);
    expect(shown.totals.published).toEqual({ alerts: 6, colourChanges: 7, patientsWithAlerts: null, endColours: { green: 10, yellow: null, red: 0 }, onsetsByRule: { 'spo2-low': null, 'hr-high': 9 } });
    expect(shown.totals.candidate.alerts).toBeNull();
    expect(shown.totals.difference.alerts).toBeNull();
    expect(shown.minGroupSize).toBe(MIN_GROUP_SIZE);
  });

  it("shows a clinician only their own teams' patients", async () => {
    expect((await discloseWhatIf(report(12), who('clinician'), ours)).perPatient.map((p) => p.patientId)).toEqual(['ours']);
  });

  it('refuses an aggregate over fewer than 5 patients to all but an auditor, who sees everything', async () => {
    await expect(discloseWhatIf(report(4), who('pathway-designer'), ours)).rejects.toThrow(ForbiddenError);
    await expect(discloseWhatIf(report(4), who('clinician'), ours)).rejects.toThrow('aggregates are shown only over at least 5');
    const audited = await discloseWhatIf(report(4), who('auditor'), ours);
    expect(audited.perPatient).toHaveLength(2);
    expect(audited.totals.candidate.alerts).toBe(2);
  });
});
