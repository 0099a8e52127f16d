import { describe, expect, it } from 'vitest';
import { ConcurrencyError, IllegalStateError, NotFoundError, UnprocessableError, ValidationError, type CommandMetadata } from '@varde/core';
import { deciderSpec } from '@varde/event-sourcing';
import { consentDecider, type ChangeConsent, type RecordConsent } from './consent.decide';
import type { ConsentEvent, ConsentStatus, ConsentTerms } from './consent.events';

const metadata: CommandMetadata = { commandId: 'c-1', correlationId: 'c-1', actor: { subject: 'patient-1', role: 'patient' }, now: '2026-12-06T08:00:00.000Z' };
const terms = (status: ConsentStatus, patientId = 'p-1'): ConsentTerms => ({
  patientId,
  status,
  provision: 'deny',
  parties: [{ kind: 'practitioner', system: 'urn:oid:2.16.578.1.12.4.1.4.4', value: '9144889' }],
  categories: [],
  includeNationalId: false,
});
const resource = (status: ConsentStatus) => ({ resourceType: 'Consent', status });
const record = (status: ConsentStatus): RecordConsent => ({ type: 'RecordConsent', data: { consentId: 'k-1', terms: terms(status), resource: resource(status) }, metadata });
const change = (status: ConsentStatus, extra: Partial<ChangeConsent['data']> = {}): ChangeConsent => ({
  type: 'ChangeConsent',
  data: { consentId: 'k-1', terms: terms(status), resource: resource(status), ...extra },
  metadata,
});
const recorded = (status: ConsentStatus, version: number): ConsentEvent => ({ type: 'ConsentRecorded', data: { consentId: 'k-1', version, terms: terms(status), resource: resource(status) } });
const withdrawn = (version: number): ConsentEvent => ({ type: 'ConsentWithdrawn', data: { consentId: 'k-1', version, terms: terms('inactive'), resource: resource('inactive') } });
const spec = deciderSpec(consentDecider);

describe('consent, when none is recorded', () => {
  it('records a given consent as version 1', () => {
    spec.given([]).when(record('active')).then([recorded('active', 1)]);
  });
  it('records a draft (not in force)', () => {
    spec.given([]).when(record('draft')).then([recorded('draft', 1)]);
  });
  it('refuses the withdrawal of a consent never given (422 naming its status)', () => {
    spec.given([]).when(record('inactive')).thenThrows(UnprocessableError, (e) => expect(e.field).toBe('terms.status'));
    spec.given([]).when(change('inactive')).thenThrows(UnprocessableError);
  });
  it('answers not found for a change of an unknown consent', () => {
    spec.given([]).when(change('active')).thenThrows(NotFoundError);
  });
});

describe('consent, when recorded', () => {
  it('withdraws a given consent as the next version', () => {
    spec.given([recorded('active', 1)]).when(change('inactive')).then([withdrawn(2)]);
  });
  it('refuses to withdraw a consent that was only ever a draft', () => {
    spec.given([recorded('draft', 1)]).when(change('inactive')).thenThrows(UnprocessableError);
  });
  it('gives a drafted consent, then lets it be withdrawn', () => {
    spec.given([recorded('draft', 1)]).when(change('active')).then([recorded('active', 2)]);
    spec.given([recorded('draft', 1), recorded('active', 2)]).when(change('inactive')).then([withdrawn(3)]);
  });
  it('changes nothing for the same version sent again', () => {
    spec.given([recorded('active', 1)]).when(change('active')).thenNothing();
  });
  it('refuses a stale If-Match and a move to another patient', () => {
    spec.given([recorded('active', 1), withdrawn(2)]).when(change('active', { ifMatch: 1 })).thenThrows(ConcurrencyError, (e) => expect(e.message).toBe('consent k-1 is at version 2, not 1; read it again'));
    spec.given([recorded('active', 1)]).when(change('active', { terms: terms('active', 'p-2') })).thenThrows(ValidationError);
  });
  it('refuses a second create with the same id', () => {
    spec.given([recorded('active', 1)]).when(record('active')).thenThrows(IllegalStateError);
  });
});
