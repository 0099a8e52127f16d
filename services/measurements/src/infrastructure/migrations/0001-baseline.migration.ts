import { sqlMigration } from '@varde/database';

/**
 * The measurements read model and the stream chunks' read model,
 * as the service created them at start-up before migrations (`CREATE TABLE IF NOT EXISTS`): this step
 * changes nothing on a database of that release and creates everything on a new one.
 */
export const baseline = sqlMigration(`
  CREATE TABLE IF NOT EXISTS measurements (
    measurement_id text PRIMARY KEY,
    patient_id text NOT NULL,
    code_system text NOT NULL,
    code text NOT NULL,
    display text NOT NULL,
    value double precision NOT NULL,
    unit text NOT NULL,
    original_value double precision NOT NULL,
    original_unit text NOT NULL,
    effective_time timestamptz NOT NULL,
    received_time timestamptz NOT NULL,
    status text NOT NULL,
    replaces text,
    correction_reason text,
    provenance jsonb NOT NULL,
    identifier jsonb,
    details jsonb,
    position bigint NOT NULL,
    last_updated timestamptz NOT NULL
  );
  CREATE INDEX IF NOT EXISTS measurements_by_patient_code_time ON measurements (patient_id, code, effective_time, measurement_id);
  CREATE INDEX IF NOT EXISTS measurements_by_patient_time ON measurements (patient_id, effective_time, measurement_id);
  CREATE TABLE IF NOT EXISTS measurement_chunks (
    chunk_id text PRIMARY KEY,
    patient_id text NOT NULL,
    code_system text NOT NULL,
    code text NOT NULL,
    unit text NOT NULL,
    start_time timestamptz NOT NULL,
    end_time timestamptz NOT NULL,
    period_ms double precision NOT NULL,
    sample_count integer NOT NULL,
    data text NOT NULL,
    received_time timestamptz NOT NULL
  );
  CREATE INDEX IF NOT EXISTS measurement_chunks_by_patient_code_start ON measurement_chunks (patient_id, code, start_time);`);
