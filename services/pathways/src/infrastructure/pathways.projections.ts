import { streamFoldProjection, type RebuildableProjection } from '@varde/event-sourcing';
import type pg from 'pg';
import { enrolmentStreamId, evolveEnrolment, initialEnrolmentState, type EnrolmentEvent, type EnrolmentState } from '../domain/enrolment.events';
import { moveNames } from './patient-identity.repository';
import { PostgresTaskSchedule } from './postgres-task-schedule';

const ENROLMENTS = enrolmentStreamId('');

/**
 * Pathways' read models that `npm run rebuild -- --service pathways --projection <name>` drops and rebuilds from the
 * event log: when each paused enrolment resumes by itself, folded from the enrolment's stream as the live handler
 * writes it with the pause; and the care team each kept name is searched under (`name-care-teams`), the team of the
 * patient's latest enrolment as `CareTeamChanged` moves it live — the names themselves stay as they are. (The task
 * schedule is planned ahead from the pathway, not folded from events, and the identity mapping and patients' names
 * are kept out of the log on purpose: neither is rebuilt.)
 */
export function pathwaysProjections(pool: pg.Pool): Readonly<Record<string, RebuildableProjection>> {
  const schedule = new PostgresTaskSchedule(pool);
  return {
    'pause-ends': streamFoldProjection<EnrolmentState, EnrolmentEvent>({
      tables: ['enrolment_pause_ends'],
      streamPrefix: ENROLMENTS,
      initialState: initialEnrolmentState,
      evolve: evolveEnrolment,
      write: async (tx, streams) => {
        for (const { streamId, state } of streams) if (state.status === 'paused') await schedule.setPauseEnd(tx, streamId.slice(ENROLMENTS.length), state.pause.until);
      },
    }),
    'name-care-teams': streamFoldProjection<EnrolmentState, EnrolmentEvent>({
      tables: ['patient_names'],
      empty: 'keep',
      streamPrefix: ENROLMENTS,
      initialState: initialEnrolmentState,
      evolve: evolveEnrolment,
      write: (tx, streams) =>
        moveNames(tx, streams.flatMap(({ streamId, state }) => (state.status === 'not-enrolled' ? [] : [{ patientId: streamId.slice(ENROLMENTS.length), careTeamId: state.careTeamId }]))),
    }),
  };
}
