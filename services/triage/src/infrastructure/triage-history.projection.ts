import { Inject, Injectable } from '@nestjs/common';
import { preparedStatement, type Transaction } from '@varde/event-sourcing';
import { DB_POOL } from '@varde/platform';
import type pg from 'pg';
import { TriageHistoryProjection, type PatientHistoryRow } from '../application/triage-history.port';
import type { PositionedTriageEvent } from '../application/triage-outcome';
import type { TriageEvent } from '../domain/triage.events';
import { byEffectiveTime, type TriageInput } from '../domain/triage-rules';


// A run's new inputs (one per measurement) in one statement: what every Bundle of readings writes here.
const INSERT_INPUTS = preparedStatement(`WITH input AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::text[], $7::timestamptz[], $8::text[], $9::text[], $10::text[])
    AS i(event_id, patient_id, code_system, code, value, unit, effective_time, measurement_id, source, position)
), replaced AS (
  DELETE FROM triage_inputs t USING input i
   WHERE i.measurement_id IS NOT NULL AND t.patient_id = i.patient_id AND t.measurement_id = i.measurement_id AND t.event_id <> i.event_id
)
INSERT INTO triage_inputs (event_id, patient_id, code_system, code, value, unit, effective_time, measurement_id, source, position)
SELECT * FROM input ON CONFLICT (event_id, code_system, code) DO NOTHING`);

// One input; it replaces the earlier input of its measurement (a correction), if there was one.
const INSERT_INPUT = preparedStatement(`WITH replaced AS (DELETE FROM triage_inputs WHERE $8::text IS NOT NULL AND patient_id = $2 AND measurement_id = $8 AND event_id <> $1)
INSERT INTO triage_inputs (event_id, patient_id, code_system, code, value, unit, effective_time, measurement_id, source, position)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (event_id, code_system, code) DO NOTHING`);

/** The triage events that write the history tables: what a rebuild replays (triage.projections.ts); the others pass by. */
export const TRIAGE_HISTORY_EVENT_TYPES: readonly TriageEvent['type'][] = ['PatientRegisteredForTriage', 'TriageInputRecorded', 'TriageInputWithdrawn'];

/**
 * {@link TriageHistoryProjection} in PostgreSQL. Every input triage holds, per patient, with the pathway each patient is registered on: what a what-if
 * replays rule sets over without loading thousands of event streams. Written in the consumer's transaction;
 * corrections replace, entries in error are removed. Rebuildable from the triage streams.
 */
@Injectable()
export class PostgresTriageHistoryProjection implements TriageHistoryProjection {
  constructor(@Inject(DB_POOL) private readonly pool: pg.Pool) {}

  /**
   * Applies the events of several commands (a run of one patient's messages): new inputs of distinct
   * measurements in one statement; anything else — a registration, a withdrawal, two inputs of one measurement —
   * one event at a time, in order, as {@link apply}.
   */
  async applyAll(client: Transaction, events: readonly PositionedTriageEvent[]): Promise<void> {
    const inputs = events.flatMap(({ event }) => (event.type === 'TriageInputRecorded' ? [event.data] : []));
    const measurements = inputs.map((d) => d.input.measurementId).filter((id) => id !== undefined);
    const onlyDistinctInputs = inputs.length === events.filter(({ event }) => event.type !== 'PatientTriaged').length && new Set(measurements).size === measurements.length;
    if (!onlyDistinctInputs || inputs.length < 2) return this.apply(client, events);
    const column = <T>(pick: (d: (typeof inputs)[number]) => T): T[] => inputs.map(pick);
    await client.query({
      ...INSERT_INPUTS,
      values: [
        column((d) => d.input.eventId),
        column((d) => d.patientId),
        column((d) => d.input.code.system),
        column((d) => d.input.code.code),
        column((d) => d.input.value),
        column((d) => d.input.unit),
        column((d) => d.input.effectiveTime),
        column((d) => d.input.measurementId ?? null),
        column((d) => d.input.source),
        column((d) => d.input.position),
      ],
    });
  }

  /** Applies a command's events. */
  async apply(client: Transaction, events: readonly PositionedTriageEvent[]): Promise<void> {
    for (const { event } of events) {
      switch (event.type) {
        case 'PatientRegisteredForTriage': {
          const { patientId, pathwayId, registeredAt } = event.data;
          await client.query(`INSERT INTO triage_patients (patient_id, pathway_id, registered_at) VALUES ($1, $2, $3) ON CONFLICT (patient_id) DO NOTHING`, [patientId, pathwayId, registeredAt]);
          break;
        }
        case 'TriageInputRecorded': {
          const { patientId, input } = event.data;
          await client.query({
            ...INSERT_INPUT,
            values: [input.eventId, patientId, input.code.system, input.code.code, input.value, input.unit, input.effectiveTime, input.measurementId ?? null, input.source, input.position],
          });
          break;
        }
        case 'TriageInputWithdrawn':
          await client.query('DELETE FROM triage_inputs WHERE patient_id = $1 AND measurement_id = $2', [event.data.patientId, event.data.measurementId]);
          break;
        default:
          break;
      }
    }
  }

  /** The registered patients of a pathway with their inputs between `from` and `to`, each history oldest first. */
  async histories(pathwayId: string, from: Date, to: Date): Promise<readonly PatientHistoryRow[]> {
    const patients = await this.pool.query<{ patient_id: string; registered_at: Date }>('SELECT patient_id, registered_at FROM triage_patients WHERE pathway_id = $1 ORDER BY patient_id', [pathwayId]);
    const inputs = await this.pool.query<{ patient_id: string; event_id: string; code_system: string; code: string; value: number; unit: string; effective_time: Date; measurement_id: string | null; source: string; position: string }>(
      `SELECT i.patient_id, i.event_id, i.code_system, i.code, i.value, i.unit, i.effective_time, i.measurement_id, i.source, i.position
         FROM triage_inputs i JOIN triage_patients p ON p.patient_id = i.patient_id
        WHERE p.pathway_id = $1 AND i.effective_time BETWEEN $2 AND $3`,
      [pathwayId, from.toISOString(), to.toISOString()],
    );
    const byPatient = new Map<string, TriageInput[]>();
    for (const r of inputs.rows) {
      const list = byPatient.get(r.patient_id) ?? [];
      list.push({
        code: { system: r.code_system, code: r.code },
        value: r.value,
        unit: r.unit,
        effectiveTime: r.effective_time.toISOString(),
        eventId: r.event_id,
        source: r.source,
        position: r.position,
        ...(r.measurement_id === null ? {} : { measurementId: r.measurement_id }),
      });
      byPatient.set(r.patient_id, list);
    }
    return patients.rows.map((p) => ({ patientId: p.patient_id, registeredAt: p.registered_at.toISOString(), inputs: (byPatient.get(p.patient_id) ?? []).sort(byEffectiveTime) }));
  }
}
