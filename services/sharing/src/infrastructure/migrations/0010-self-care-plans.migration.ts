import { sqlMigration } from '@varde/database';

/**
 * Self-care plans shared with the municipality and GP (issue #21 item 6): each published pathway version's title and
 * plan (from PathwayPublished; plan NULL when the version has none), each enrolment's course with its sharing queue
 * (the version last queued, the version the receiver acknowledged, tries), and every acknowledged version, kept for
 * the strategy figures.
 */
export const selfCarePlans = sqlMigration(`
  CREATE TABLE self_care_plan_pathways (
    pathway_id text NOT NULL,
    pathway_version integer NOT NULL,
    title text NOT NULL,
    plan jsonb,
    PRIMARY KEY (pathway_id, pathway_version)
  );
  CREATE TABLE self_care_plan_shares (
    enrolment_id text PRIMARY KEY,
    patient_id uuid NOT NULL,
    pathway_id text NOT NULL,
    pathway_version integer NOT NULL,
    enrolled_at timestamptz NOT NULL,
    discharged_at timestamptz,
    content jsonb,
    version integer NOT NULL DEFAULT 0,
    sent_version integer NOT NULL DEFAULT 0,
    status text NOT NULL DEFAULT 'none' CHECK (status IN ('none', 'pending', 'sent', 'dead', 'withheld')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    last_error text,
    updated_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE INDEX self_care_plan_shares_due ON self_care_plan_shares (next_attempt_at) WHERE status = 'pending';
  CREATE INDEX self_care_plan_shares_by_patient ON self_care_plan_shares (patient_id);
  CREATE INDEX self_care_plan_shares_by_pathway ON self_care_plan_shares (pathway_id, pathway_version);
  CREATE TABLE self_care_plan_deliveries (
    enrolment_id text NOT NULL,
    version integer NOT NULL,
    pathway_id text NOT NULL,
    status text NOT NULL CHECK (status IN ('active', 'completed', 'revoked')),
    delivered_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (enrolment_id, version)
  );`);
