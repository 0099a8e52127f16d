import { sqlMigration } from '@varde/database';

/**
 * The auditor's timeline (issue #22, ADR 0017): one row per integration event about a patient, from every
 * service's topic, with both times, the actor, the ids that tie events together and the event itself as JSON.
 * A projection, rebuilt from the topics by replaying them into an empty table.
 */
export const auditTimeline = sqlMigration(`
  CREATE TABLE audit_timeline (
    event_id text PRIMARY KEY,
    patient_id text NOT NULL,
    type text NOT NULL,
    source text NOT NULL,
    effective_time timestamptz NOT NULL,
    recorded_time timestamptz NOT NULL,
    correlation_id text NOT NULL,
    causation_id text NOT NULL,
    actor jsonb,
    summary text NOT NULL,
    data jsonb NOT NULL
  );
  CREATE INDEX audit_timeline_patient_effective ON audit_timeline (patient_id, effective_time, recorded_time, event_id);
  CREATE INDEX audit_timeline_type_recorded ON audit_timeline (type, recorded_time);`);
