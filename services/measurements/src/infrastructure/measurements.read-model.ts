import { preparedStatement, readStreams, type Transaction } from '@varde/event-sourcing';
import { Injectable } from '@nestjs/common';
import type pg from 'pg';
import { viewOfStream, type MeasurementView } from '../application/measurement.view';
import { MeasurementsProjection } from '../application/measurements-projection.port';
import type { MeasurementHistoryEvent } from '../domain/measurement.events';

const COLUMNS = `measurement_id, patient_id, code_system, code, display, value, unit, original_value, original_unit,
  effective_time, received_time, status, replaces, correction_reason, provenance, identifier, details, position, last_updated`;

// One statement for one or many rows; the position guard makes a late or replayed upsert a no-op. On its own,
// the read model is rebuilt from the log, so its commit need not wait for the WAL flush: one fewer synchronous
// flush per Observation on the ingest path. In the events' own transaction it must: it would make their commit
// asynchronous too.
const upsert = (commit: 'async' | 'with-events') => `
INSERT INTO measurements (${COLUMNS})
SELECT r.measurement_id, r.patient_id, r.code_system, r.code, r.display, r.value, r.unit, r.original_value, r.original_unit,
       r.effective_time, r.received_time, r.status, r.replaces, r.correction_reason, r.provenance, r.identifier, r.details, r.position, r.last_updated
  FROM jsonb_to_recordset($1::jsonb) AS r(measurement_id text, patient_id text, code_system text, code text, display text, value double precision,
       unit text, original_value double precision, original_unit text, effective_time timestamptz, received_time timestamptz, status text,
       replaces text, correction_reason text, provenance jsonb, identifier jsonb, details jsonb, position bigint, last_updated timestamptz)${
  commit === 'async' ? `,
       (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit` : ''
}
ON CONFLICT (measurement_id) DO UPDATE SET
  value = EXCLUDED.value, unit = EXCLUDED.unit, original_value = EXCLUDED.original_value, original_unit = EXCLUDED.original_unit,
  status = EXCLUDED.status, replaces = EXCLUDED.replaces, correction_reason = EXCLUDED.correction_reason,
  position = EXCLUDED.position, last_updated = EXCLUDED.last_updated
WHERE measurements.position < EXCLUDED.position`;
const UPSERT = preparedStatement(upsert('async'));
const UPSERT_WITH_EVENTS = preparedStatement(upsert('with-events'));

/** A row of the `measurements` table as pg returns it. */
export type MeasurementRow = Readonly<{
  measurement_id: string;
  patient_id: string;
  code_system: string;
  code: string;
  display: string;
  value: number;
  unit: string;
  original_value: number;
  original_unit: string;
  effective_time: Date;
  received_time: Date;
  status: MeasurementView['status'];
  replaces: string | null;
  correction_reason: string | null;
  provenance: MeasurementView['provenance'];
  identifier: MeasurementView['identifier'] | null;
  details: MeasurementView['details'] | null;
  position: string;
  last_updated: Date;
}>;

/** The columns every query selects, in the order {@link viewOfRow} reads. */
export const MEASUREMENT_COLUMNS = COLUMNS;

/** A row back as a view. */
export function viewOfRow(row: MeasurementRow): MeasurementView {
  return {
    measurementId: row.measurement_id,
    patientId: row.patient_id,
    code: { system: row.code_system, code: row.code, display: row.display },
    value: row.value,
    unit: row.unit,
    originalValue: row.original_value,
    originalUnit: row.original_unit,
    effectiveTime: row.effective_time.toISOString(),
    receivedTime: row.received_time.toISOString(),
    status: row.status,
    ...(row.replaces ? { replaces: row.replaces } : {}),
    ...(row.correction_reason ? { correctionReason: row.correction_reason } : {}),
    provenance: row.provenance,
    ...(row.identifier ? { identifier: row.identifier } : {}),
    ...(row.details ? { details: row.details } : {}),
    version: Number(row.position),
    lastUpdated: row.last_updated.toISOString(),
  };
}

const rowOf = (v: MeasurementView) => ({
  measurement_id: v.measurementId,
  patient_id: v.patientId,
  code_system: v.code.system,
  code: v.code.code,
  display: v.code.display,
  value: v.value,
  unit: v.unit,
  original_value: v.originalValue,
  original_unit: v.originalUnit,
  effective_time: v.effectiveTime,
  received_time: v.receivedTime,
  status: v.status,
  replaces: v.replaces ?? null,
  correction_reason: v.correctionReason ?? null,
  provenance: v.provenance,
  identifier: v.identifier ?? null,
  details: v.details ?? null,
  position: v.version,
  last_updated: v.lastUpdated,
});

/**
 * Writes views, newest position wins. `with-events` when `db` is in the transaction that appends their events
 * (both then commit durably, or neither); otherwise the commit does not wait for the WAL flush.
 */
export async function upsertMeasurementViews(db: Pick<pg.ClientBase, 'query'>, views: readonly MeasurementView[], commit: 'async' | 'with-events' = 'async'): Promise<void> {
  if (views.length > 0) await db.query({ ...(commit === 'async' ? UPSERT : UPSERT_WITH_EVENTS), values: [JSON.stringify(views.map(rowOf))] });
}

/** {@link MeasurementsProjection} in PostgreSQL (its table comes from the service's migrations); rows are written in the transaction of their events. */
@Injectable()
export class MeasurementsReadModel implements MeasurementsProjection {
  async apply(tx: Transaction, views: readonly MeasurementView[]): Promise<void> {
    await upsertMeasurementViews(tx, views, 'with-events');
  }

  async applyStream(tx: Transaction, streamName: string): Promise<void> {
    // A measurement's stream is short (recorded, then a correction or two): read whole, in the transaction that appended to it.
    const view = viewOfStream((await readStreams<MeasurementHistoryEvent>(tx, [streamName])).get(streamName) ?? []);
    if (view) await this.apply(tx, [view]);
  }
}
