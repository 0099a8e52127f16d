import { sqlMigration } from '@varde/database';

/**
 * The worklist, alerts, triage history (patients and inputs) and next checks read models,
 * as the service created them at start-up before migrations (`CREATE TABLE IF NOT EXISTS`): this step
 * changes nothing on a database of that release and creates everything on a new one.
 */
export const baseline = sqlMigration(`
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
  CREATE INDEX IF NOT EXISTS worklist_team_pathway_order ON worklist (care_team, pathway_id, colour_rank DESC, since, patient_id);

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
  CREATE INDEX IF NOT EXISTS alerts_raised ON alerts (raised_at);

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
  CREATE INDEX IF NOT EXISTS triage_inputs_measurement ON triage_inputs (patient_id, measurement_id);

  CREATE TABLE IF NOT EXISTS triage_next_checks (patient_id text PRIMARY KEY, due_at timestamptz NOT NULL);
  CREATE INDEX IF NOT EXISTS triage_next_checks_due ON triage_next_checks (due_at);`);
