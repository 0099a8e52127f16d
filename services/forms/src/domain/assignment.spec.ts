import { describe, it } from 'vitest';
import type { CommandMetadata } from '@varde/core';
import { deciderSpec } from '@varde/event-sourcing';
import { assignmentDecider, type AssignForm } from './assignment.decide';
import type { FormAssigned } from './assignment.events';

const CAT_QUESTIONNAIRE = { url: 'https://varde.no/fhir/Questionnaire/cat' };

const metadata: CommandMetadata = { commandId: 'c-1', correlationId: 'c-1', actor: { subject: 'varde-forms', role: 'system' }, now: '2026-11-22T08:00:00.000Z' };
const assignCat = (version = '1'): AssignForm => ({
  type: 'AssignForm',
  data: { patientId: 'p-1', assignmentId: 'a-1', questionnaire: { url: CAT_QUESTIONNAIRE.url, version } },
  metadata,
});
const assigned: FormAssigned = {
  type: 'FormAssigned',
  data: { assignmentId: 'a-1', patientId: 'p-1', questionnaireUrl: CAT_QUESTIONNAIRE.url, questionnaireVersion: '1', assignedAt: metadata.now },
};
const spec = deciderSpec(assignmentDecider);

describe('assignment, when the patient holds no assignment', () => {
  it('assigns the questionnaire version', () => {
    spec.given([]).when(assignCat()).then([assigned]);
  });
});

describe('assignment, when the patient holds assignments', () => {
  it('changes nothing when the same questionnaire version is assigned again', () => {
    spec.given([assigned]).when(assignCat()).thenNothing();
  });

  it('assigns another version of the questionnaire', () => {
    spec.given([assigned]).when(assignCat('2')).then([{ type: 'FormAssigned', data: { ...assigned.data, questionnaireVersion: '2' } }]);
  });
});
