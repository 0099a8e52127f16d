import type { CommandMetadata } from '@varde/core';
import { deciderSpec } from '@varde/event-sourcing';
import { describe, it } from 'vitest';
import { emergencyAccessDecider, type OpenEmergencyAccess } from './emergency-access.decide';
import type { EmergencyAccessEvent } from './emergency-access.events';

const actor = { subject: 'clinician-9', role: 'clinician' } as const;
const metadata = (now: string): CommandMetadata => ({ commandId: 'c-1', correlationId: 'c-1', actor, now });
const open = (minutes: number, now = '2026-12-06T08:00:00.000Z'): OpenEmergencyAccess => ({
  type: 'OpenEmergencyAccess',
  data: { grantId: 'g-1', patientId: 'p-1', actor, careTeamId: 'copd-care-team', reason: 'unconscious in A&E', minutes },
  metadata: metadata(now),
});
const opened = (openedAt: string, expiresAt: string): EmergencyAccessEvent => ({
  type: 'EmergencyAccessOpened',
  data: { grantId: 'g-1', patientId: 'p-1', actor, careTeamId: 'copd-care-team', reason: 'unconscious in A&E', openedAt, expiresAt },
});
const spec = deciderSpec(emergencyAccessDecider);

describe('emergency access, when none is open', () => {
  it("opens it at the command's time, for the minutes asked", () => {
    spec.given([]).when(open(60)).then([opened('2026-12-06T08:00:00.000Z', '2026-12-06T09:00:00.000Z')]);
  });
  it('ends across midnight and a month end as the clock says', () => {
    spec.given([]).when(open(90, '2026-11-30T23:00:00.000Z')).then([opened('2026-11-30T23:00:00.000Z', '2026-12-01T00:30:00.000Z')]);
  });
});

describe('emergency access, when open', () => {
  it('changes nothing when the command comes again, even later: the first expiry stands', () => {
    spec.given([opened('2026-12-06T08:00:00.000Z', '2026-12-06T09:00:00.000Z')]).when(open(60, '2026-12-06T08:30:00.000Z')).thenNothing();
  });
});
