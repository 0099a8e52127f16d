import { describe, it } from 'vitest';
import { IllegalStateError, NotFoundError, ValidationError, type CommandMetadata } from '@varde/core';
import { deciderSpec } from '@varde/event-sourcing';
import { alertDecider, type AlertCommand, type RaiseAlert } from './alert.decide';
import type { AlertAcknowledged, AlertEscalated, AlertRaised, AlertResolved } from './alert.events';

const RAISED_AT = '2026-11-21T07:00:00.000Z';
const clinician = { subject: 'dr-nilsen', role: 'clinician' } as const;
const metadata = (now: string, actor: CommandMetadata['actor'] = clinician): CommandMetadata => ({ commandId: `c-${now}`, correlationId: 'corr', actor, now });
const at = (minutes: number): string => new Date(Date.parse(RAISED_AT) + minutes * 60_000).toISOString();
const command = <C extends AlertCommand>(type: C['type'], data: Omit<C['data'], 'alertId'>, now = at(1)): C => ({ type, data: { alertId: 'al-1', ...data }, metadata: metadata(now) }) as unknown as C;

const raise = (colour: 'yellow' | 'red', assessmentId = 'a-1', now = RAISED_AT): RaiseAlert =>
  ({ type: 'RaiseAlert', data: { alertId: 'al-1', patientId: 'p-1', pathwayId: 'copd', colour, reasons: [`${colour} reason`], assessmentId, redAcknowledgeLimitSeconds: 1800 }, metadata: metadata(now, { subject: 'varde-triage', role: 'system' }) });
const raised = (colour: 'yellow' | 'red'): AlertRaised => ({
  type: 'AlertRaised',
  data: { alertId: 'al-1', patientId: 'p-1', pathwayId: 'copd', colour, reasons: [`${colour} reason`], assessmentId: 'a-1', raisedAt: RAISED_AT, acknowledgeBy: colour === 'red' ? at(30) : null },
});
const acknowledged: AlertAcknowledged = { type: 'AlertAcknowledged', data: { alertId: 'al-1', patientId: 'p-1', acknowledgedAt: at(5) } };
const resolved: AlertResolved = { type: 'AlertResolved', data: { alertId: 'al-1', patientId: 'p-1', outcome: 'contacted-patient', note: null, resolvedAt: at(10) } };
const chain = ['team-a', 'team-b', 'on-call'];
const escalate = (level: number, now: string) => command<Extract<AlertCommand, { type: 'EscalateAlert' }>>('EscalateAlert', { level, chain, limitSeconds: 1800 }, now);
const escalated = (level: number, target: string, now: string): AlertEscalated => ({ type: 'AlertEscalated', data: { alertId: 'al-1', patientId: 'p-1', level, target, escalatedAt: now, acknowledgeBy: new Date(Date.parse(now) + 1_800_000).toISOString() } });

const spec = deciderSpec(alertDecider);

describe('no alert yet', () => {
  it('raises a red alert with an acknowledgement deadline', () => {
    spec.given([]).when(raise('red')).then([raised('red')]);
  });

  it('raises a yellow alert without a deadline', () => {
    spec.given([]).when(raise('yellow')).then([raised('yellow')]);
  });

  it('refuses to acknowledge an alert that does not exist', () => {
    spec.given([]).when(command('AcknowledgeAlert', {})).thenThrows(NotFoundError);
  });
});

describe('an open alert', () => {
  it('is acknowledged, with the actor in the metadata', () => {
    spec.given([raised('red')]).when(command('AcknowledgeAlert', {}, at(5))).then([acknowledged]);
  });

  it('is assigned once to the same clinician', () => {
    const assign = command('AssignAlert', { assignee: 'dr-berg' }, at(2));
    spec.given([raised('red')]).when(assign).then([{ type: 'AlertAssigned', data: { alertId: 'al-1', patientId: 'p-1', assignee: 'dr-berg', assignedAt: at(2) } }]);
    spec.given([raised('red'), { type: 'AlertAssigned', data: { alertId: 'al-1', patientId: 'p-1', assignee: 'dr-berg', assignedAt: at(2) } }]).when(assign).thenNothing();
  });

  it('takes comments, but not empty ones', () => {
    spec.given([raised('yellow')]).when(command('CommentOnAlert', { text: 'Called, no answer' }, at(3))).then([{ type: 'AlertCommented', data: { alertId: 'al-1', patientId: 'p-1', text: 'Called, no answer', commentedAt: at(3) } }]);
    spec.given([raised('yellow')]).when(command('CommentOnAlert', { text: '  ' })).thenThrows(ValidationError);
  });

  it('becomes red (not a second alert) when a yellow patient turns red, with a new deadline', () => {
    spec.given([raised('yellow')]).when(raise('red', 'a-2', at(20))).then([
      { type: 'AlertSeverityRaised', data: { alertId: 'al-1', patientId: 'p-1', colour: 'red', reasons: ['red reason'], assessmentId: 'a-2', raisedAt: at(20), acknowledgeBy: at(50) } },
    ]);
  });

  it('stays as it is on a second red or a yellow assessment', () => {
    spec.given([raised('red')]).when(raise('red', 'a-2', at(20))).thenNothing();
    spec.given([raised('red')]).when(raise('yellow', 'a-2', at(20))).thenNothing();
  });

  it('refuses to resolve without an outcome or with an unknown one', () => {
    spec.given([raised('red')]).when(command('ResolveAlert', { outcome: undefined, note: null })).thenThrows(ValidationError);
    spec.given([raised('red')]).when(command('ResolveAlert', { outcome: 'sent-flowers', note: null })).thenThrows(ValidationError);
  });

  it('is resolved with an outcome and a note', () => {
    spec.given([raised('red')]).when(command('ResolveAlert', { outcome: 'booked-visit', note: 'Seen tomorrow' }, at(10))).then([
      { type: 'AlertResolved', data: { alertId: 'al-1', patientId: 'p-1', outcome: 'booked-visit', note: 'Seen tomorrow', resolvedAt: at(10) } },
    ]);
  });
});

describe('escalation of an open red alert', () => {
  it('does not escalate before the deadline', () => {
    spec.given([raised('red')]).when(escalate(1, at(29))).thenNothing();
  });

  it('escalates to level 1 and the first of the chain at the deadline', () => {
    spec.given([raised('red')]).when(escalate(1, at(30))).then([escalated(1, 'team-a', at(30))]);
  });

  it('escalates again each limit period, staying with the last of the chain past its end', () => {
    const history = [raised('red'), escalated(1, 'team-a', at(30)), escalated(2, 'team-b', at(60)), escalated(3, 'on-call', at(90))];
    spec.given(history.slice(0, 2)).when(escalate(2, at(59))).thenNothing();
    spec.given(history.slice(0, 2)).when(escalate(2, at(60))).then([escalated(2, 'team-b', at(60))]);
    spec.given(history).when(escalate(4, at(120))).then([escalated(4, 'on-call', at(120))]);
  });

  it('does not skip or repeat a level', () => {
    spec.given([raised('red')]).when(escalate(2, at(60))).thenNothing();
    spec.given([raised('red'), escalated(1, 'team-a', at(30))]).when(escalate(1, at(61))).thenNothing();
  });

  it('never escalates a yellow alert', () => {
    spec.given([raised('yellow')]).when(escalate(1, at(600))).thenNothing();
  });
});

describe('an acknowledged alert', () => {
  it('does not escalate any more', () => {
    spec.given([raised('red'), acknowledged]).when(escalate(1, at(60))).thenNothing();
  });

  it('is acknowledged only once', () => {
    spec.given([raised('red'), acknowledged]).when(command('AcknowledgeAlert', {}, at(6))).thenNothing();
  });

  it('is resolved with an outcome', () => {
    spec.given([raised('red'), acknowledged]).when(command('ResolveAlert', { outcome: 'contacted-patient', note: null }, at(10))).then([resolved]);
  });
});

describe('a resolved alert', () => {
  const history = [raised('red'), acknowledged, resolved];

  it('refuses acknowledgement, comments, assignment and a second resolution', () => {
    spec.given(history).when(command('AcknowledgeAlert', {})).thenThrows(IllegalStateError);
    spec.given(history).when(command('CommentOnAlert', { text: 'late note' })).thenThrows(IllegalStateError);
    spec.given(history).when(command('AssignAlert', { assignee: 'dr-berg' })).thenThrows(IllegalStateError);
    spec.given(history).when(command('ResolveAlert', { outcome: 'no-action', note: null })).thenThrows(IllegalStateError);
  });

  it('is not reopened by a new assessment and never escalates', () => {
    spec.given(history).when(raise('red', 'a-9', at(100))).thenNothing();
    spec.given(history).when(escalate(1, at(100))).thenNothing();
  });
});
