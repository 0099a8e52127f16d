import { createHmac } from 'node:crypto';

/**
 * The tables as release 0.1.0 created them at start-up (`CREATE TABLE IF NOT EXISTS` in `onModuleInit` and in the
 * libraries), copied verbatim from that release, with a few rows each: the database an upgrade starts from.
 * Frozen: never edit it to follow a migration; every later migration must apply on top of it.
 */

/** Statements of the libraries, run in every service's schema (after Emmett's own tables). */
const LIBRARIES = [
  // libs/messaging/src/consumer-runner.ts
  `CREATE TABLE IF NOT EXISTS processed_messages (
    group_id text NOT NULL,
    message_id text NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, message_id)
  )`,
  // libs/messaging/src/relay.ts
  `CREATE TABLE IF NOT EXISTS relay_checkpoints (
      relay_id text PRIMARY KEY,
      transaction_id xid8 NOT NULL,
      global_position bigint NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now())`,
  'CREATE INDEX IF NOT EXISTS emt_messages_relay_order ON emt_messages (transaction_id, global_position)',
  // libs/platform/src/access-log-outbox.ts
  `
  CREATE TABLE IF NOT EXISTS access_log_outbox (
    entry_id text PRIMARY KEY,
    entry jsonb NOT NULL,
    queued_at timestamptz NOT NULL DEFAULT clock_timestamp()
  )`,
  `INSERT INTO processed_messages (group_id, message_id) VALUES ('triage', 'message-1'), ('triage', 'message-2')`,
  `INSERT INTO relay_checkpoints (relay_id, transaction_id, global_position) VALUES ('relay', '42', 7)`,
  `INSERT INTO access_log_outbox (entry_id, entry) VALUES ('entry-1', '{"entryId":"entry-1","purpose":"care"}')`,
];

/** A patient and a national id whose HMAC (with {@link IDENTITY_HMAC_KEY}) the old pathways stored. */
export const OLD_PATIENT = { patientId: '7a0f4f3e-8d7c-4c1b-9a3e-2f1d5c6b7a80', nationalId: '15076500565' } as const;
/** The identity key the fixture's HMAC was made with (pathways' IDENTITY_HMAC_KEY). */
export const IDENTITY_HMAC_KEY = 'varde-upgrade-test-identity-key';
const OLD_HMAC = createHmac('sha256', IDENTITY_HMAC_KEY).update(OLD_PATIENT.nationalId).digest('hex');

/** Each service's own statements and rows (the service's schema on the search path). */
export const SCHEMA_BEFORE_MIGRATIONS: Readonly<Record<'pathways' | 'forms' | 'measurements' | 'triage' | 'sharing', readonly string[]>> = {
  pathways: [
    ...LIBRARIES,
    // services/pathways/src/infrastructure/patient-identity.repository.ts
    `CREATE TABLE IF NOT EXISTS patient_identities (
      national_id_hmac text PRIMARY KEY,
      patient_id uuid NOT NULL UNIQUE,
      created_at timestamptz NOT NULL DEFAULT now())`,
    `INSERT INTO patient_identities (national_id_hmac, patient_id) VALUES ('${OLD_HMAC}', '${OLD_PATIENT.patientId}')`,
  ],
  forms: [...LIBRARIES],
  measurements: [
    ...LIBRARIES,
    // services/measurements/src/infrastructure/measurements.read-model.ts
    `
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
CREATE INDEX IF NOT EXISTS measurements_by_patient_time ON measurements (patient_id, effective_time, measurement_id);`,
    // services/measurements/src/infrastructure/sample-chunks.read-model.ts
    `
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
CREATE INDEX IF NOT EXISTS measurement_chunks_by_patient_code_start ON measurement_chunks (patient_id, code, start_time);`,
    `INSERT INTO measurements VALUES ('m-1', '${OLD_PATIENT.patientId}', 'http://loinc.org', '2708-6', 'SpO2', 88, '%', 88, '%',
      '2026-11-01T08:00:00Z', '2026-11-01T08:00:01Z', 'final', NULL, NULL, '{"device":"d-1"}', NULL, NULL, 1, '2026-11-01T08:00:01Z')`,
    `INSERT INTO measurement_chunks VALUES ('c-1', '${OLD_PATIENT.patientId}', 'http://loinc.org', '8867-4', '/min',
      '2026-11-01T08:00:00Z', '2026-11-01T08:01:00Z', 1000, 3, '71 72 73', '2026-11-01T08:01:01Z')`,
  ],
  triage: [
    ...LIBRARIES,
    // services/triage/src/infrastructure/worklist.projection.ts
    `
      CREATE TABLE IF NOT EXISTS worklist (
        patient_id text PRIMARY KEY,
        colour text NOT NULL,
        colour_rank int NOT NULL,
        reasons jsonb NOT NULL,
        since timestamptz NOT NULL,
        pathway_id text,
        assessment jsonb,
        stream_position bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX IF NOT EXISTS worklist_order ON worklist (colour_rank DESC, since, patient_id);
      -- The care team whose clinicians see the patient (null: registered before care teams; auditors only).
      ALTER TABLE worklist ADD COLUMN IF NOT EXISTS care_team text;
      -- "My team's patients, red first": one index range per team, already in worklist order.
      CREATE INDEX IF NOT EXISTS worklist_team_order ON worklist (care_team, colour_rank DESC, since, patient_id);
      -- "My team's COPD patients": a small pathway's rows without walking the team's whole list.
      CREATE INDEX IF NOT EXISTS worklist_team_pathway_order ON worklist (care_team, pathway_id, colour_rank DESC, since, patient_id);`,
    // services/triage/src/infrastructure/alerts.projection.ts
    `
      CREATE TABLE IF NOT EXISTS alerts (
        alert_id text PRIMARY KEY,
        patient_id text NOT NULL,
        pathway_id text NOT NULL,
        colour text NOT NULL,
        raised_colour text NOT NULL,
        status text NOT NULL,
        reasons jsonb NOT NULL,
        assessment_id text NOT NULL,
        raised_at timestamptz NOT NULL,
        raised_by_role text NOT NULL,
        acknowledge_by timestamptz,
        acknowledged_at timestamptz,
        resolved_at timestamptz,
        outcome text,
        assignee text,
        escalation_level int NOT NULL DEFAULT 0,
        escalated_to text,
        stream_position bigint NOT NULL
      );
      CREATE INDEX IF NOT EXISTS alerts_unresolved_by_patient ON alerts (patient_id) WHERE status <> 'resolved';
      -- The worklist filtered by assignee starts from the alerts they hold.
      CREATE INDEX IF NOT EXISTS alerts_unresolved_by_assignee ON alerts (assignee) WHERE status <> 'resolved';
      CREATE INDEX IF NOT EXISTS alerts_overdue ON alerts (acknowledge_by) WHERE status = 'open' AND colour = 'red';
      CREATE INDEX IF NOT EXISTS alerts_raised ON alerts (raised_at);`,
    // services/triage/src/infrastructure/triage-history.projection.ts
    `
      CREATE TABLE IF NOT EXISTS triage_patients (patient_id text PRIMARY KEY, pathway_id text NOT NULL, registered_at timestamptz NOT NULL);
      CREATE INDEX IF NOT EXISTS triage_patients_pathway ON triage_patients (pathway_id);
      CREATE TABLE IF NOT EXISTS triage_inputs (
        event_id text NOT NULL,
        patient_id text NOT NULL,
        code_system text NOT NULL,
        code text NOT NULL,
        value double precision NOT NULL,
        unit text NOT NULL,
        effective_time timestamptz NOT NULL,
        measurement_id text,
        source text NOT NULL,
        position text NOT NULL
      );
      -- One event can carry several inputs (components, scores and answers): an input is its event and code.
      ALTER TABLE triage_inputs DROP CONSTRAINT IF EXISTS triage_inputs_pkey;
      CREATE UNIQUE INDEX IF NOT EXISTS triage_inputs_event_code ON triage_inputs (event_id, code_system, code);
      CREATE INDEX IF NOT EXISTS triage_inputs_patient_time ON triage_inputs (patient_id, effective_time);
      CREATE INDEX IF NOT EXISTS triage_inputs_measurement ON triage_inputs (patient_id, measurement_id);`,
    // services/triage/src/infrastructure/next-check.projection.ts
    `
      CREATE TABLE IF NOT EXISTS triage_next_checks (patient_id text PRIMARY KEY, due_at timestamptz NOT NULL);
      CREATE INDEX IF NOT EXISTS triage_next_checks_due ON triage_next_checks (due_at);`,
    `INSERT INTO worklist (patient_id, colour, colour_rank, reasons, since, pathway_id, assessment, stream_position, care_team)
      VALUES ('${OLD_PATIENT.patientId}', 'red', 3, '["SpO2 88 % is below 90 %"]', '2026-11-01T08:00:00Z', 'copd', NULL, 2, 'copd-care-team')`,
    `INSERT INTO alerts (alert_id, patient_id, pathway_id, colour, raised_colour, status, reasons, assessment_id, raised_at, raised_by_role, stream_position)
      VALUES ('a-1', '${OLD_PATIENT.patientId}', 'copd', 'red', 'red', 'open', '[]', 'as-1', '2026-11-01T08:00:02Z', 'system', 1)`,
    `INSERT INTO triage_patients VALUES ('${OLD_PATIENT.patientId}', 'copd', '2026-10-01T08:00:00Z')`,
    `INSERT INTO triage_inputs VALUES ('e-1', '${OLD_PATIENT.patientId}', 'http://loinc.org', '2708-6', 88, '%', '2026-11-01T08:00:00Z', 'm-1', 'measurement', '5')`,
    `INSERT INTO triage_next_checks VALUES ('${OLD_PATIENT.patientId}', '2026-11-02T08:00:00Z')`,
  ],
  sharing: [
    ...LIBRARIES,
    // services/sharing/src/infrastructure/patient-status.projection.ts
    `CREATE TABLE IF NOT EXISTS patient_status (
      patient_id uuid PRIMARY KEY,
      colour text NOT NULL,
      reasons jsonb NOT NULL,
      assessed_at timestamptz NOT NULL,
      assessment_id text NOT NULL)`,
    // services/sharing/src/infrastructure/access-log.repository.ts
    `CREATE TABLE IF NOT EXISTS access_log (
      entry_id text PRIMARY KEY,
      patient_id uuid NOT NULL,
      accessed_at timestamptz NOT NULL,
      actor jsonb NOT NULL,
      purpose text NOT NULL,
      resource text NOT NULL,
      correlation_id text)`,
    'CREATE INDEX IF NOT EXISTS access_log_patient_newest ON access_log (patient_id, accessed_at DESC, entry_id DESC)',
    `INSERT INTO patient_status VALUES ('${OLD_PATIENT.patientId}', 'red', '[]', '2026-11-01T08:00:02Z', 'as-1')`,
    `INSERT INTO access_log VALUES ('entry-0', '${OLD_PATIENT.patientId}', '2026-11-01T09:00:00Z', '{"subject":"c-1","role":"clinician"}', 'care', 'worklist', NULL)`,
  ],
};

/** The embedded bus's tables (libs/messaging/src/postgres-message-bus.ts), in the bus schema, with one message. */
export const BUS_BEFORE_MIGRATIONS: readonly string[] = [
  `
        CREATE TABLE IF NOT EXISTS messages (
          position bigserial PRIMARY KEY,
          tx xid8 NOT NULL DEFAULT pg_current_xact_id(),
          topic text NOT NULL,
          partition_key text NOT NULL,
          id text NOT NULL,
          type text NOT NULL,
          source text NOT NULL,
          time timestamptz NOT NULL,
          recorded_time timestamptz NOT NULL,
          correlation_id text NOT NULL,
          causation_id text NOT NULL,
          traceparent text,
          tracestate text,
          headers jsonb NOT NULL DEFAULT '{}',
          payload bytea NOT NULL,
          published_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX IF NOT EXISTS messages_topic_tx_position ON messages (topic, tx, position);
        CREATE TABLE IF NOT EXISTS group_positions (
          group_id text NOT NULL,
          topic text NOT NULL,
          tx xid8 NOT NULL,
          position bigint NOT NULL,
          PRIMARY KEY (group_id, topic)
        );`,
  `INSERT INTO messages (topic, partition_key, id, type, source, time, recorded_time, correlation_id, causation_id, payload)
    VALUES ('varde.triage.v1', '${OLD_PATIENT.patientId}', 'msg-1', 'varde.triage.v1.PatientTriaged', 'triage', '2026-11-01T08:00:02Z', '2026-11-01T08:00:02Z', 'c', 'c', '\\x00')`,
  `INSERT INTO group_positions VALUES ('patient-status', 'varde.triage.v1', '1', 1)`,
];
