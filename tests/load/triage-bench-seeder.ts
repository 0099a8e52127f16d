import type pg from 'pg';
import { SCORE_SYSTEM, SCORE_UNIT } from '../../services/triage/src/domain/code-catalogue';

// Grows the triage service's read models in bulk with SQL, in the shape the service writes them, so the
// triage benchmark can put 100 000 patients on the worklist and 90 days of history under the what-if in
// seconds instead of days of ingest.
//
// What one patient leaves in the triage schema when it goes through the real flow (enrolled through
// pathways, an Observation posted to measurements, the integration events consumed by triage):
//   - `triage_patients`: one row (PatientRegisteredForTriage: patient, pathway, registration time);
//   - `worklist`: one row, written by PatientRegisteredForTriage (green, "no reports", no assessment) and
//     replaced by each current PatientTriaged (colour, reason texts, since, the assessment with its reasons
//     and provenance as JSON);
//   - `alerts`: one row per AlertRaised (a move to yellow or red), updated by acknowledge/assign/resolve;
//   - `triage_inputs`: one row per TriageInputRecorded (code, value, unit, effective time, the integration
//     message's id, topic and offset).
// The seeder takes the rows the real flow wrote for a few patients as templates (a red, a yellow and a
// green patient with an assessment, and a green patient without reports) and clones them with
// `jsonb_populate_record`, so every column the service writes — including any added later — is copied from
// a real row, and only what differs between two patients is replaced: patient id, pathway, colour (by
// template), since, assessment id and time, alert id, status and assignee, input ids, values and times.
// What the clones do not carry: event streams behind them (the seeded patients are read-model rows only, so
// commands on them — acknowledging a seeded alert, a new measurement — would not find their streams) and
// next-check rows (the missing-report scheduler leaves them alone). Open red alerts get an acknowledge-by
// a week ahead, so the escalation scheduler does not try to escalate alerts whose streams do not exist.

/** The schema the platform gives the triage service (`DB_SCHEMA` defaults to the service name). */
export const TRIAGE_SCHEMA = 'triage';
const S = TRIAGE_SCHEMA;

/** Real patients whose rows the seeder clones, one per kind of worklist row. */
export type WorklistTemplates = Readonly<{ red: string; yellow: string; green: string; noReports: string }>;

/** Real `triage_inputs` rows the seeder clones: an SpO2 and a pulse reading (event ids). */
export type InputTemplates = Readonly<{ spo2: string; pulse: string }>;

/** Pathways the seeded patients are spread over; the first {@link SeedPlan.copdPatients} are all on `copd`. */
export const SEED_PATHWAYS = ['copd', 'heart-failure', 'hypertension'] as const;

/** How many seeded patients have each colour, in percent (the rest of green have no reports yet). */
const MIX = { red: 4, yellow: 14, green: 72 } as const;
/** Clinicians alerts are assigned to: an `assignee` filter finds about 1/20 of the acknowledged alerts. */
export const SEED_ASSIGNEES = 20;

const iso = (ts: string): string => `to_char((${ts}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
// A deterministic number in [0, m) from a text key: the same seed tag gives the same data on every run.
const rnd = (key: string, m: number): string => `(abs(hashtext(${key})::bigint) % ${m})`;

// $1 seed tag, $2 template patient ids [red, yellow, green, noReports], $3 now, $4 first n, $5 last n, $6 copd patients,
// $7 SEED_PATHWAYS.
// Patient n is red, yellow, green or without reports by n % 100 (see MIX), waited since a time in the last
// 30 days; its pathway is copd for n < $6, else one of SEED_PATHWAYS.
const SEED_PATIENTS = `
WITH seed AS MATERIALIZED (
  SELECT n,
         md5($1 || ':patient:' || n)::uuid::text AS patient_id,
         md5($1 || ':assessment:' || n)::uuid::text AS assessment_id,
         md5($1 || ':alert:' || n)::uuid::text AS alert_id,
         CASE WHEN n % 100 < ${MIX.red} THEN 1 WHEN n % 100 < ${MIX.red + MIX.yellow} THEN 2 WHEN n % 100 < ${MIX.red + MIX.yellow + MIX.green} THEN 3 ELSE 4 END AS kind,
         CASE WHEN n < $6 THEN 'copd' ELSE ($7::text[])[1 + (n % ${SEED_PATHWAYS.length})::int] END AS pathway_id,
         $3::timestamptz - make_interval(secs => ${rnd(`$1 || ':since:' || n`, 30 * 86_400)}) AS since,
         ${rnd(`$1 || ':status:' || n`, 10)} AS status_draw,
         ${rnd(`$1 || ':assignee:' || n`, SEED_ASSIGNEES)} AS assignee_draw
    FROM generate_series($4::bigint, $5::bigint) AS n
), patients AS (
  INSERT INTO ${S}.triage_patients
  SELECT r.*
    FROM seed JOIN ${S}.triage_patients t ON t.patient_id = ($2::text[])[seed.kind],
         LATERAL jsonb_populate_record(t, jsonb_build_object('patient_id', seed.patient_id, 'pathway_id', seed.pathway_id, 'registered_at', seed.since - interval '3 days')) AS r
  RETURNING 1
), rows AS (
  INSERT INTO ${S}.worklist
  SELECT r.*
    FROM seed JOIN ${S}.worklist t ON t.patient_id = ($2::text[])[seed.kind],
         LATERAL jsonb_populate_record(t, jsonb_build_object(
           'patient_id', seed.patient_id, 'pathway_id', seed.pathway_id, 'since', seed.since, 'updated_at', seed.since,
           'assessment', CASE WHEN t.assessment IS NULL THEN NULL
                              ELSE t.assessment || jsonb_build_object('assessmentId', seed.assessment_id, 'assessedAt', ${iso('seed.since')}) END)) AS r
  RETURNING 1
), alerts AS (
  -- Six in ten alerts acknowledged and assigned, the rest open, due a week ahead (see above).
  INSERT INTO ${S}.alerts
  SELECT r.*
    FROM seed JOIN ${S}.alerts t ON t.patient_id = ($2::text[])[seed.kind] AND t.status <> 'resolved',
         LATERAL jsonb_populate_record(t, jsonb_build_object(
           'alert_id', seed.alert_id, 'patient_id', seed.patient_id, 'pathway_id', seed.pathway_id, 'assessment_id', seed.assessment_id,
           'raised_at', seed.since,
           'acknowledge_by', CASE WHEN t.acknowledge_by IS NULL THEN NULL ELSE $3::timestamptz + interval '7 days' END,
           'status', CASE WHEN seed.status_draw < 6 THEN 'acknowledged' ELSE 'open' END,
           'acknowledged_at', CASE WHEN seed.status_draw < 6 THEN seed.since + interval '20 minutes' END,
           'assignee', CASE WHEN seed.status_draw < 6 THEN 'bench-clinician-' || seed.assignee_draw END)) AS r
   WHERE seed.kind <= 2
  RETURNING 1
)
SELECT (SELECT count(*) FROM rows) AS worklist, (SELECT count(*) FROM alerts) AS alerts, (SELECT count(*) FROM patients) AS patients`;

/** Seeded patient `n`'s id: the seeder's patients are `md5(tag:patient:n)`, so the bench can name them. */
export const seededPatientSql = (tag: string, n: number): string => `md5('${tag}:patient:${n}')::uuid::text`;

/**
 * Adds seeded patients `first`…`last` (0-based) to the worklist, triage_patients and alerts, cloned from the
 * templates; returns how many rows each table got.
 */
export async function seedPatients(db: pg.Pool, tag: string, templates: WorklistTemplates, now: Date, first: number, last: number, copdPatients: number): Promise<{ worklist: number; alerts: number; patients: number }> {
  const batch = 20_000;
  const total = { worklist: 0, alerts: 0, patients: 0 };
  for (let from = first; from <= last; from += batch) {
    const to = Math.min(last, from + batch - 1);
    const { rows } = await db.query<{ worklist: string; alerts: string; patients: string }>(SEED_PATIENTS, [
      tag,
      [templates.red, templates.yellow, templates.green, templates.noReports],
      now.toISOString(),
      from,
      to,
      copdPatients,
      [...SEED_PATHWAYS],
    ]);
    total.worklist += Number(rows[0]?.worklist ?? 0);
    total.alerts += Number(rows[0]?.alerts ?? 0);
    total.patients += Number(rows[0]?.patients ?? 0);
  }
  return total;
}

// $1 seed tag, $2 [spo2, pulse] template event ids, $3 end of the history, $4 days, $5 copd patients.
// Per patient k and day d: SpO2 at about 08:00 and 20:00 with pulse a minute later (twice a day), CAT
// weekly, and for every 50th patient a daily weight. Every 20th patient has a 4-day exacerbation (SpO2
// 86–91 %, CAT up 4), every 25th a tachycardic spell (pulse 112–135 /min), every 50th gains 2.6 kg over
// 3 days, so the rules fire as they would on a real ward. Offsets number the inputs as a topic would.
const SEED_INPUTS = `
WITH patients AS (
  SELECT k, md5($1 || ':patient:' || k)::uuid::text AS patient_id, (k * 7) % ($4::int - 6) AS episode_day FROM generate_series(0, $5::int - 1) AS k
), slots AS (
  SELECT p.*, d, s,
         date_trunc('day', $3::timestamptz) - make_interval(days => d) + make_interval(hours => 8 + 12 * s, mins => ${rnd(`$1 || p.patient_id`, 40)}::int) AS at,
         (k % 20 = 0 AND $4::int - 1 - d BETWEEN p.episode_day AND p.episode_day + 3) AS exacerbation,
         (k % 25 = 3 AND $4::int - 1 - d BETWEEN p.episode_day AND p.episode_day + 1) AS tachycardia
    FROM patients p, generate_series(0, $4::int - 1) AS d, generate_series(0, 1) AS s
), readings AS (
  SELECT patient_id, 'spo2' AS template, 'http://loinc.org' AS system, '2708-6' AS code, '%' AS unit, at,
         (CASE WHEN exacerbation THEN 86 + ${rnd(`patient_id || d || s || 'o'`, 6)} ELSE 93 + ${rnd(`patient_id || d || s || 'o'`, 5)} END)::float8 AS value, k, d, s
    FROM slots
  UNION ALL
  SELECT patient_id, 'pulse', 'http://loinc.org', '8867-4', '/min', at + interval '1 minute',
         (CASE WHEN tachycardia THEN 112 + ${rnd(`patient_id || d || s || 'p'`, 24)} ELSE 68 + ${rnd(`patient_id || d || s || 'p'`, 25)} END)::float8, k, d, s
    FROM slots
  UNION ALL
  SELECT patient_id, 'cat', '${SCORE_SYSTEM}', 'CAT', '${SCORE_UNIT}', at + interval '5 minutes',
         (12 + ${rnd(`patient_id || d`, 6)} + CASE WHEN exacerbation THEN 4 ELSE 0 END)::float8, k, d, s
    FROM slots WHERE s = 0 AND d % 7 = k % 7
  UNION ALL
  SELECT patient_id, 'weight', 'http://loinc.org', '29463-7', 'kg', at + interval '2 minutes',
         (78 + 0.9 * LEAST(3, GREATEST(0, $4::int - d - episode_day)))::float8, k, d, s
    FROM slots WHERE s = 0 AND k % 50 = 0
), numbered AS (
  SELECT readings.*, row_number() OVER (ORDER BY at, patient_id, template) AS offset_n FROM readings
)
INSERT INTO ${S}.triage_inputs
SELECT r.*
  FROM numbered i JOIN ${S}.triage_inputs t ON t.event_id = CASE WHEN i.template = 'pulse' THEN ($2::text[])[2] ELSE ($2::text[])[1] END,
       LATERAL jsonb_populate_record(t, jsonb_build_object(
         'event_id', md5($1 || ':input:' || i.patient_id || ':' || i.template || ':' || i.d || ':' || i.s)::uuid::text,
         'patient_id', i.patient_id, 'code_system', i.system, 'code', i.code, 'value', i.value, 'unit', i.unit, 'effective_time', i.at,
         'measurement_id', md5($1 || ':measurement:' || i.patient_id || ':' || i.template || ':' || i.d || ':' || i.s)::uuid::text
                           || CASE WHEN i.template = 'cat' THEN '#CAT' ELSE '' END,
         'source', CASE WHEN i.template = 'cat' THEN 'varde.forms.v1' ELSE t.source END,
         'position', (1000000 + i.offset_n)::text)) AS r`;

/** Gives the first `patients` seeded (copd) patients `days` days of inputs ending at `end`; returns the rows added. */
export async function seedInputs(db: pg.Pool, tag: string, templates: InputTemplates, end: Date, days: number, patients: number): Promise<number> {
  const result = await db.query(SEED_INPUTS, [tag, [templates.spo2, templates.pulse], end.toISOString(), days, patients]);
  return result.rowCount ?? 0;
}

/** Refreshes the planner's statistics after a bulk load, as autovacuum would shortly after. */
export async function analyse(db: pg.Pool): Promise<void> {
  await db.query(`ANALYZE ${S}.worklist; ANALYZE ${S}.alerts; ANALYZE ${S}.triage_patients; ANALYZE ${S}.triage_inputs`);
}
