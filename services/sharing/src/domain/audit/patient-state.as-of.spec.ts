import { describe, expect, it } from 'vitest';
import { patientStateAsOf } from './patient-state.as-of';
import { describeEvent, type EventData, type TimelineEvent } from './timeline-event';

let n = 0;
const event = (type: string, effectiveTime: string, data: EventData, recordedTime = effectiveTime): TimelineEvent => ({
  eventId: `e-${String(++n).padStart(4, '0')}`,
  patientId: 'p-1',
  type,
  source: 'varde/test',
  effectiveTime,
  recordedTime,
  correlationId: 'c',
  causationId: 'c',
  actor: null,
  summary: describeEvent(type, data),
  data,
});
const now = '2027-01-01T00:00:00.000Z';
const asOf = (at: string, knownAt = now) => ({ at, knownAt });

const enrolled = event('varde.pathways.v1.PatientEnrolled', '2026-01-01T00:00:00.000Z', { enrolmentId: 'en-1', pathwayId: 'copd', pathwayVersion: 1, ruleSetId: 'copd-default', ruleSetVersion: 0, careTeamId: 'team-a', admission: 1 });

describe('patientStateAsOf', () => {
  describe('enrolment', () => {
    const history = [
      enrolled,
      event('varde.pathways.v1.EnrolmentPaused', '2026-01-05T00:00:00.000Z', { pausedUntil: '2026-01-10T00:00:00.000Z', reason: 'in hospital' }),
      event('varde.pathways.v1.EnrolmentResumed', '2026-01-08T00:00:00.000Z', {}),
      event('varde.pathways.v1.PathwayChanged', '2026-01-09T00:00:00.000Z', { pathwayId: 'heart-failure', pathwayVersion: 2, ruleSetId: 'hf-default', ruleSetVersion: 4 }),
      event('varde.pathways.v1.CareTeamChanged', '2026-01-09T00:00:00.000Z', { careTeamId: 'team-b' }),
    ];
    it('is paused until it is resumed', () => {
      expect(patientStateAsOf(history, asOf('2026-01-06T00:00:00.000Z')).enrolment).toMatchObject({ status: 'paused', pausedUntil: '2026-01-10T00:00:00.000Z', pathwayId: 'copd' });
      expect(patientStateAsOf(history, asOf('2026-01-08T12:00:00.000Z')).enrolment).not.toHaveProperty('pausedUntil');
    });
    it('follows a pathway and care team change from the instant it took effect', () => {
      expect(patientStateAsOf(history, asOf('2026-01-09T00:00:00.000Z')).enrolment).toMatchObject({ status: 'active', pathwayId: 'heart-failure', pathwayVersion: 2, ruleSetVersion: 4, careTeamId: 'team-b' });
    });
    it('is empty before the first event, whatever is known later', () => {
      expect(patientStateAsOf(history, asOf('2025-12-31T00:00:00.000Z'))).toEqual({ at: '2025-12-31T00:00:00.000Z', knownAt: now, events: 0, enrolment: null, triage: null, openAlerts: [], ruleOverrides: [], consents: [], assignedForms: [] });
    });
  });

  describe('alerts', () => {
    const history = [
      enrolled,
      event('varde.triage.v1.AlertRaised', '2026-01-02T08:00:00.000Z', { alertId: 'a-1', colour: 'COLOUR_YELLOW', reasons: ['CAT 21'], assessmentId: 't-1', raisedAt: '2026-01-02T08:00:00.000Z' }),
      event('varde.triage.v1.AlertRaised', '2026-01-02T09:00:00.000Z', { alertId: 'a-1', colour: 'COLOUR_RED', reasons: ['SpO2 87 %'], assessmentId: 't-2', raisedAt: '2026-01-02T09:00:00.000Z' }),
      event('varde.triage.v1.AlertEscalated', '2026-01-02T09:30:00.000Z', { alertId: 'a-1', level: 1, target: 'on-call', escalatedAt: '2026-01-02T09:30:00.000Z' }),
      event('varde.triage.v1.AlertAcknowledged', '2026-01-02T09:40:00.000Z', { alertId: 'a-1', acknowledgedBy: 'dr-2', acknowledgedAt: '2026-01-02T09:40:00.000Z' }),
      event('varde.triage.v1.AlertResolved', '2026-01-02T10:00:00.000Z', { alertId: 'a-1', resolvedBy: 'dr-2', outcome: 'ALERT_OUTCOME_CONTACTED_PATIENT' }),
    ];
    it('keeps the first raise time when a yellow alert turns red, and who held it', () => {
      expect(patientStateAsOf(history, asOf('2026-01-02T09:45:00.000Z')).openAlerts).toEqual([
        { alertId: 'a-1', colour: 'red', reasons: ['SpO2 87 %'], raisedAt: '2026-01-02T08:00:00.000Z', assessmentId: 't-2', escalation: { level: 1, target: 'on-call', at: '2026-01-02T09:30:00.000Z' }, acknowledgedBy: 'dr-2', acknowledgedAt: '2026-01-02T09:40:00.000Z' },
      ]);
    });
    it('closes it when resolved', () => {
      expect(patientStateAsOf(history, asOf('2026-01-02T10:00:00.000Z')).openAlerts).toEqual([]);
    });
    it('says whom it was given to, from the assignment on', () => {
      const assigned = [...history, event('varde.triage.v1.AlertAssigned', '2026-01-02T09:50:00.000Z', { alertId: 'a-1', assignee: 'dr-3', assignedBy: 'dr-2' })];
      expect(patientStateAsOf(assigned, asOf('2026-01-02T09:45:00.000Z')).openAlerts[0]).not.toHaveProperty('assignedTo');
      expect(patientStateAsOf(assigned, asOf('2026-01-02T09:55:00.000Z')).openAlerts[0]).toMatchObject({ alertId: 'a-1', assignedTo: 'dr-3' });
      expect(describeEvent('varde.triage.v1.AlertAssigned', { assignee: 'dr-3', assignedBy: 'dr-2' })).toBe('Alert assigned to dr-3 by dr-2');
    });
  });

  describe("the patient's rule overrides (a decision's input)", () => {
    const set = (ruleId: string, value: number, version: number, effective: string) =>
      event('varde.triage.v1.RuleOverrideSet', effective, { ruleId, parameter: 'threshold', value, reason: 'known COPD', setBy: 'dr-1', setAt: effective, overridesVersion: version });
    const history = [
      enrolled,
      set('spo2-red', 88, 1, '2026-01-02T00:00:00.000Z'),
      set('spo2-red', 87, 2, '2026-01-03T00:00:00.000Z'),
      set('hr-high', 130, 3, '2026-01-03T00:00:00.000Z'),
      event('varde.triage.v1.PatientTriaged', '2026-01-03T08:00:00.000Z', { assessmentId: 't-1', colour: 'COLOUR_GREEN', reasons: [], provenance: { ruleSetId: 'copd-default', ruleSetVersion: 2, inputs: [], overridesVersion: 3 } }),
      event('varde.triage.v1.RuleOverrideRemoved', '2026-01-04T00:00:00.000Z', { ruleId: 'spo2-red', reason: 'recovered', removedBy: 'dr-1', overridesVersion: 4 }),
    ];
    it('holds each rule at its latest value, and the decision names the version it applied', () => {
      const state = patientStateAsOf(history, asOf('2026-01-03T12:00:00.000Z'));
      expect(state.ruleOverrides).toEqual([
        { ruleId: 'spo2-red', parameter: 'threshold', value: 87, reason: 'known COPD', setBy: 'dr-1', setAt: '2026-01-03T00:00:00.000Z', overridesVersion: 2 },
        { ruleId: 'hr-high', parameter: 'threshold', value: 130, reason: 'known COPD', setBy: 'dr-1', setAt: '2026-01-03T00:00:00.000Z', overridesVersion: 3 },
      ]);
      expect(state.triage).toMatchObject({ assessmentId: 't-1', overridesVersion: 3 });
    });
    it('drops a removed override, and says so in words on the timeline', () => {
      expect(patientStateAsOf(history, asOf('2026-01-05T00:00:00.000Z')).ruleOverrides.map((o) => o.ruleId)).toEqual(['hr-high']);
      expect(history.at(-1)!.summary).toBe("Rule spo2-red: the patient's own value removed by dr-1, the rule set's applies again (overrides v4): recovered");
      expect(history[1]!.summary).toBe("Rule spo2-red: the patient's own threshold set to 88 by dr-1 (overrides v1): known COPD");
    });
  });

  describe('consents and forms', () => {
    const consent = (version: number, state: string, effective: string) =>
      event('varde.sharing.v1.ConsentChanged', effective, { consentId: 'c-1', version, state, provision: 'CONSENT_PROVISION_DENY', parties: [{ kind: 'CONSENT_PARTY_KIND_PRACTITIONER', value: '123' }], categories: [] });
    const history = [
      enrolled,
      consent(1, 'CONSENT_STATE_ACTIVE', '2026-01-02T00:00:00.000Z'),
      consent(2, 'CONSENT_STATE_INACTIVE', '2026-01-04T00:00:00.000Z'),
      event('varde.forms.v1.FormAssigned', '2026-01-02T00:00:00.000Z', { assignmentId: 'f-1', questionnaireUrl: 'q/cat', questionnaireVersion: '1', assignedAt: '2026-01-02T00:00:00.000Z' }),
      event('varde.forms.v1.FormAssigned', '2026-01-02T00:00:00.000Z', { assignmentId: 'f-2', questionnaireUrl: 'q/prem', questionnaireVersion: '1', assignedAt: '2026-01-02T00:00:00.000Z' }),
      event('varde.forms.v1.QuestionnaireResponseSubmitted', '2026-01-03T00:00:00.000Z', { questionnaireUrl: 'q/cat', questionnaireVersion: '1', status: 'completed', scores: [] }, '2026-01-06T00:00:00.000Z'),
      event('varde.forms.v1.FormAssignmentExpired', '2026-01-07T00:00:00.000Z', { assignmentId: 'f-2' }),
    ];
    it('shows a block in its version at the instant', () => {
      expect(patientStateAsOf(history, asOf('2026-01-03T00:00:00.000Z')).consents).toMatchObject([{ consentId: 'c-1', version: 1, state: 'active', provision: 'deny' }]);
      expect(patientStateAsOf(history, asOf('2026-01-05T00:00:00.000Z')).consents).toMatchObject([{ version: 2, state: 'inactive' }]);
    });
    it('keeps an answered form assigned until the answer was recorded, when asked what was known then', () => {
      expect(patientStateAsOf(history, asOf('2026-01-05T00:00:00.000Z', '2026-01-05T00:00:00.000Z')).assignedForms.map((f) => f.assignmentId)).toEqual(['f-1', 'f-2']);
      expect(patientStateAsOf(history, asOf('2026-01-05T00:00:00.000Z')).assignedForms.map((f) => f.assignmentId)).toEqual(['f-2']);
      expect(patientStateAsOf(history, asOf('2026-01-08T00:00:00.000Z')).assignedForms).toEqual([]);
    });
  });
});
