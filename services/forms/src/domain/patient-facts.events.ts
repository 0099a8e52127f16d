import type { Decider, DomainCommand, DomainEvent } from '@varde/core';

/** A measurement forms may pre-fill from (a code some questionnaire item links to) was recorded for the patient. */
export type MeasurementNoted = DomainEvent<'MeasurementNoted', { patientId: string; measurementId: string; system: string; code: string; value: number; unit: string; effectiveTime: string }>;

/** The patient completed a response to a questionnaire: the latest one is the "previous answer" of the next. */
export type ResponseNoted = DomainEvent<'ResponseNoted', { patientId: string; questionnaireUrl: string; responseId: string; authoredAt: string }>;

/** Every event of a patient's facts stream. */
export type PatientFactsEvent = MeasurementNoted | ResponseNoted;

/** Note a measurement. */
export type NoteMeasurement = DomainCommand<'NoteMeasurement', MeasurementNoted['data']>;
/** Note a completed response. */
export type NoteResponse = DomainCommand<'NoteResponse', ResponseNoted['data']>;

/** What forms knows of a patient to pre-fill forms with: the latest measurement per code, the latest response per questionnaire url. */
export type PatientFacts = Readonly<{ measurements: Readonly<Record<string, MeasurementNoted['data']>>; responses: Readonly<Record<string, ResponseNoted['data']>> }>;

const codeKey = (system: string, code: string): string => `${system}|${code}`;

/** The latest measurement of a code, if forms noted one. */
export const latestMeasurement = (facts: PatientFacts, system: string, code: string): MeasurementNoted['data'] | undefined => facts.measurements[codeKey(system, code)];

/** Applies one event. */
export function evolvePatientFacts(state: PatientFacts, event: PatientFactsEvent): PatientFacts {
  switch (event.type) {
    case 'MeasurementNoted':
      return { ...state, measurements: { ...state.measurements, [codeKey(event.data.system, event.data.code)]: event.data } };
    case 'ResponseNoted':
      return { ...state, responses: { ...state.responses, [event.data.questionnaireUrl]: event.data } };
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}

/** Keeps only what is newer than what is known (late and redelivered facts change nothing). */
export function decidePatientFacts(command: NoteMeasurement | NoteResponse, state: PatientFacts): PatientFactsEvent[] {
  switch (command.type) {
    case 'NoteMeasurement': {
      const known = latestMeasurement(state, command.data.system, command.data.code);
      return known && known.effectiveTime >= command.data.effectiveTime ? [] : [{ type: 'MeasurementNoted', data: command.data }];
    }
    case 'NoteResponse': {
      const known = state.responses[command.data.questionnaireUrl];
      return known && known.authoredAt > command.data.authoredAt ? [] : known?.responseId === command.data.responseId ? [] : [{ type: 'ResponseNoted', data: command.data }];
    }
    default: {
      const _exhaustive: never = command;
      return [];
    }
  }
}

/** The patient facts decider. */
export const patientFactsDecider: Decider<NoteMeasurement | NoteResponse, PatientFacts, PatientFactsEvent> = {
  decide: decidePatientFacts,
  evolve: evolvePatientFacts,
  initialState: () => ({ measurements: {}, responses: {} }),
};

/** The one name of a patient's facts stream. */
export const patientFactsStreamId = (patientId: string): string => `form-patient-facts-${patientId}`;
