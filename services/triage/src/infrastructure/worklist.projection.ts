import { Injectable } from '@nestjs/common';
import { preparedStatement, type Transaction } from '@varde/event-sourcing';
import type { PositionedTriageEvent } from '../application/triage-outcome';
import { WorklistProjection } from '../application/worklist.port';
import { courseChangeOf, type EnrolmentChange } from '../domain/enrolment-course';
import type { TriageEvent } from '../domain/triage.events';
import { COLOUR_RANK, NO_REPORTS_REASON, reasonTexts, type Colour } from '../domain/triage-rules';

/** The triage events that write a worklist row: what a rebuild replays (triage.projections.ts); the others pass by. */
export const WORKLIST_EVENT_TYPES: readonly TriageEvent['type'][] = ['PatientRegisteredForTriage', 'PatientTriaged', 'TriageEnrolmentChanged'];

/**
 * {@link WorklistProjection} in PostgreSQL. The worklist read model: one row per patient with their current colour and reasons. Written in the
 * consumer's transaction, so a row never runs ahead of or behind the messages recorded as processed;
 * rebuildable from the triage streams ({@link WORKLIST_EVENT_TYPES}).
 */
@Injectable()
export class PostgresWorklistProjection implements WorklistProjection {
  async apply(client: Transaction, events: readonly PositionedTriageEvent[]): Promise<void> {
    for (const { event, streamPosition } of events) {
      switch (event.type) {
        case 'PatientRegisteredForTriage':
          await register(client, {
            patientId: event.data.patientId,
            colour: 'green',
            reasons: [NO_REPORTS_REASON],
            since: event.data.registeredAt,
            pathwayId: event.data.pathwayId,
            careTeam: event.data.careTeamId ?? null,
            assessment: null,
            streamPosition,
          });
          break;
        case 'PatientTriaged': {
          // A revised past point is history; the worklist shows the outcome in force now (the assessment's last event).
          if (event.data.current === false) break;
          const { patientId, colour, reasons, colourSince, pathwayId, assessmentId, provenance, assessedAt, previousColour } = event.data;
          const assessment = { assessmentId, assessedAt, previousColour, reasons, provenance };
          await upsert(client, { patientId, colour, reasons: reasonTexts(reasons), since: colourSince, pathwayId, careTeam: null, assessment, streamPosition });
          break;
        }
        case 'TriageEnrolmentChanged':
          await enrolmentChanged(client, event.data.patientId, event.data.change, streamPosition);
          break;
        case 'TriageInputRecorded':
        case 'TriageInputWithdrawn':
        case 'RuleOverrideSet':
        case 'RuleOverrideRemoved':
        case 'TriageTaskMissed':
          break;
        default: {
          const _exhaustive: never = event;
        }
      }
    }
  }
}

// careTeam null keeps the row's team: only registration names it.
type Row = Readonly<{ patientId: string; colour: Colour; reasons: readonly string[]; since: string; pathwayId: string; careTeam: string | null; assessment: object | null; streamPosition: bigint }>;

// Every assessment that changes a patient's outcome runs this one: prepared once per connection.
const UPSERT = preparedStatement(`INSERT INTO worklist (patient_id, colour, colour_rank, reasons, since, pathway_id, assessment, stream_position, care_team, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now())
ON CONFLICT (patient_id) DO UPDATE SET colour = EXCLUDED.colour, colour_rank = EXCLUDED.colour_rank, reasons = EXCLUDED.reasons,
  since = EXCLUDED.since, pathway_id = EXCLUDED.pathway_id, assessment = EXCLUDED.assessment,
  care_team = COALESCE(EXCLUDED.care_team, worklist.care_team),
  stream_position = EXCLUDED.stream_position, updated_at = now()
WHERE worklist.stream_position < EXCLUDED.stream_position`);

async function upsert(client: Transaction, row: Row): Promise<void> {
  await client.query({
    ...UPSERT,
    values: [row.patientId, row.colour, COLOUR_RANK[row.colour], JSON.stringify(row.reasons), row.since, row.pathwayId, row.assessment === null ? null : JSON.stringify(row.assessment), row.streamPosition.toString(), row.careTeam],
  });
}

// A registration recorded after the patient's first assessment (the enrolment arrived late) adds only the team.
async function register(client: Transaction, row: Row): Promise<void> {
  await client.query(
    `INSERT INTO worklist (patient_id, colour, colour_rank, reasons, since, pathway_id, assessment, stream_position, care_team, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, $8, now())
     ON CONFLICT (patient_id) DO UPDATE SET care_team = COALESCE(EXCLUDED.care_team, worklist.care_team), updated_at = now()`,
    [row.patientId, row.colour, COLOUR_RANK[row.colour], JSON.stringify(row.reasons), row.since, row.pathwayId, row.streamPosition.toString(), row.careTeam],
  );
}

// The enrolment's status, pathway or care team; a patient triage has no row for yet gets it when registered.
async function enrolmentChanged(client: Transaction, patientId: string, change: EnrolmentChange, streamPosition: bigint): Promise<void> {
  const status = courseChangeOf(change)?.status ?? null;
  const pathwayId = change.kind === 'pathway-changed' ? change.pathwayId : null;
  const careTeam = change.kind === 'care-team-changed' ? change.careTeamId : null;
  await client.query(
    `UPDATE worklist SET enrolment_status = COALESCE($2, enrolment_status), pathway_id = COALESCE($3, pathway_id), care_team = COALESCE($4, care_team),
       stream_position = $5, updated_at = now()
     WHERE patient_id = $1 AND stream_position < $5`,
    [patientId, status, pathwayId, careTeam, streamPosition.toString()],
  );
}
