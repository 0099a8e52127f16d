import { Inject, Injectable } from '@nestjs/common';
import { INFRASTRUCTURE, type Infrastructure } from '@varde/platform';

/** One figure: its value(s), and how it is computed from the events (written next to it, as the issue asks). */
export type Figure = Readonly<{ name: string; definition: string; values: readonly Readonly<{ group: string; value: number | null }>[] }>;

/** The strategy's figures for a period (issue #22 item 7), each recomputable for any past period from the events. */
export type StrategyFigures = Readonly<{ from: string; to: string; pathway: string | null; figures: readonly Figure[] }>;

const T = (name: string) => `'varde.${name}'`;
// Enrolments in force at some moment of [from, to): enrolled before `to`, not discharged before `from`.
const ACTIVE_ENROLMENTS = `
  SELECT e.patient_id, e.data->>'enrolmentId' AS enrolment_id, e.data->>'pathwayId' AS pathway_id, e.effective_time AS enrolled_at
  FROM audit_timeline e
  WHERE e.type = ${T('pathways.v1.PatientEnrolled')} AND e.effective_time < $2 AND ($3::text IS NULL OR e.data->>'pathwayId' = $3)
    AND NOT EXISTS (SELECT 1 FROM audit_timeline d WHERE d.type = ${T('pathways.v1.PatientDischarged')} AND d.data->>'enrolmentId' = e.data->>'enrolmentId' AND d.effective_time < $1)`;

// The exchange counts keep no pathway: every figure takes the same parameters, so $3 is only given a type here.
const ANY_PATHWAY = '($3::text IS NULL OR $3::text IS NOT NULL)';

const round = (n: number): number => Math.round(n * 1000) / 1000;

/**
 * The strategy's figures computed from the auditor's timeline (every integration event), so they can be recomputed
 * for any past period. Aggregates only; shows no patient.
 */
@Injectable()
export class StrategyFiguresQuery {
  constructor(@Inject(INFRASTRUCTURE) private readonly infra: Infrastructure) {}

  /** Every figure for [from, to), optionally for one pathway. */
  async figures(from: string, to: string, pathway: string | undefined): Promise<StrategyFigures> {
    const params = [from, to, pathway ?? null];
    const q = async (sql: string) => (await this.infra.pool.query<{ grp: string | null; value: string | number | null }>(sql, params)).rows.map((r) => ({ group: r.grp ?? 'all', value: r.value === null ? null : round(Number(r.value)) }));
    const shareOf = (rows: { group: string; value: number | null }[]) => {
      const total = rows.reduce((sum, r) => sum + (r.value ?? 0), 0);
      return rows.map((r) => ({ group: r.group, value: total === 0 ? null : round((r.value ?? 0) / total) }));
    };
    const enrolled = await q(`SELECT pathway_id AS grp, count(DISTINCT patient_id) AS value FROM (${ACTIVE_ENROLMENTS}) a GROUP BY 1 ORDER BY 1`);
    const contacts = await q(
      `SELECT lower(replace(data->>'driver', 'CONTACT_DRIVER_', '')) AS grp, count(*) AS value FROM audit_timeline
       WHERE type = ${T('pathways.v1.ContactRecorded')} AND effective_time >= $1 AND effective_time < $2 AND ($3::text IS NULL OR data->>'pathwayId' = $3) GROUP BY 1 ORDER BY 1`,
    );
    const figures: Figure[] = [
      { name: 'enrolled-patients', definition: 'Patients with an enrolment in force at some moment of the period (PatientEnrolled before its end, not PatientDischarged before its start), per pathway enrolled on.', values: enrolled },
      { name: 'enrolled-patients-share', definition: 'Each pathway\'s share of the patients in enrolled-patients (followed up at home; patients not in home follow-up are not in Varde\'s events).', values: shareOf(enrolled) },
      { name: 'contacts', definition: 'ContactRecorded with a start in the period, per driver: need (behovsstyrt) or calendar (kalenderstyrt).', values: contacts },
      { name: 'contacts-share', definition: 'Share of need-driven and calendar-driven contacts among contacts.', values: shareOf(contacts) },
      {
        name: 'enrolments-shared-with-municipality',
        definition: 'Enrolments in force in the period whose patient had, at the period\'s end, a consent in force permitting a municipality (ConsentChanged, latest version: active, permit, a municipality party). Those whose self-care plan the municipality received are pathways-with-municipality-self-care-plan.',
        values: await q(
          `SELECT NULL AS grp, count(DISTINCT a.enrolment_id) AS value FROM (${ACTIVE_ENROLMENTS}) a
           WHERE EXISTS (SELECT 1 FROM (SELECT DISTINCT ON (data->>'consentId') data FROM audit_timeline c
                                        WHERE c.type = ${T('sharing.v1.ConsentChanged')} AND c.patient_id = a.patient_id AND c.effective_time < $2
                                        ORDER BY data->>'consentId', (data->>'version')::bigint DESC) latest
                         WHERE latest.data->>'state' = 'CONSENT_STATE_ACTIVE' AND latest.data->>'provision' = 'CONSENT_PROVISION_PERMIT'
                           AND latest.data->'parties' @> '[{"kind": "CONSENT_PARTY_KIND_MUNICIPALITY"}]')`,
        ),
      },
      {
        name: 'pathways-with-municipality-self-care-plan',
        definition: 'Enrolments run together with the municipality with a self-care plan: the municipality\'s FHIR server acknowledged their shared plan in force (CarePlan active) before the period\'s end, and it was not completed or revoked before the period\'s start; per pathway of the plan first shared (table self_care_plan_deliveries, written as each CarePlan version is acknowledged).',
        values: await q(
          `SELECT first.pathway_id AS grp, count(*) AS value FROM (
             SELECT DISTINCT ON (enrolment_id) enrolment_id, pathway_id FROM self_care_plan_deliveries WHERE status = 'active' AND delivered_at < $2 ORDER BY enrolment_id, delivered_at) first
           WHERE ($3::text IS NULL OR first.pathway_id = $3)
             AND NOT EXISTS (SELECT 1 FROM self_care_plan_deliveries e WHERE e.enrolment_id = first.enrolment_id AND e.status IN ('completed', 'revoked') AND e.delivered_at < $1)
           GROUP BY 1 ORDER BY 1`,
        ),
      },
      {
        name: 'readmissions',
        definition: 'Enrolments of the period that are a readmission (PatientEnrolled with admission 2 or more), and discharges of the period because the patient was readmitted to hospital (PatientDischarged, reason readmitted).',
        values: await q(
          `SELECT 'enrolled-again' AS grp, count(*) AS value FROM audit_timeline WHERE type = ${T('pathways.v1.PatientEnrolled')} AND effective_time >= $1 AND effective_time < $2 AND ($3::text IS NULL OR data->>'pathwayId' = $3) AND (data->>'admission')::int >= 2
           UNION ALL
           SELECT 'discharged-readmitted', count(*) FROM audit_timeline WHERE type = ${T('pathways.v1.PatientDischarged')} AND effective_time >= $1 AND effective_time < $2 AND ($3::text IS NULL OR data->>'pathwayId' = $3) AND data->>'reason' = 'DISCHARGE_REASON_READMITTED'`,
        ),
      },
      {
        name: 'contact-minutes-per-patient',
        definition: 'Clinicians\' time per patient: the minutes of the period\'s contacts (ContactRecorded.durationMinutes) divided by the patients they were with.',
        values: await q(
          `SELECT NULL AS grp, sum((data->>'durationMinutes')::numeric) / NULLIF(count(DISTINCT patient_id), 0) AS value FROM audit_timeline
           WHERE type = ${T('pathways.v1.ContactRecorded')} AND effective_time >= $1 AND effective_time < $2 AND ($3::text IS NULL OR data->>'pathwayId' = $3)`,
        ),
      },
      {
        name: 'prem-mean-score',
        definition: 'Mean of each score of the PREM questionnaires (questionnaire url containing "prem") answered in the period (QuestionnaireResponseSubmitted), per score code; patients of the pathway when one is given.',
        values: await q(
          `SELECT s->'code'->>'code' AS grp, avg((s->>'value')::numeric) AS value FROM audit_timeline r, jsonb_array_elements(r.data->'scores') s
           WHERE r.type = ${T('forms.v1.QuestionnaireResponseSubmitted')} AND r.effective_time >= $1 AND r.effective_time < $2 AND r.data->>'questionnaireUrl' ILIKE '%prem%'
             AND ($3::text IS NULL OR r.patient_id IN (SELECT patient_id FROM (${ACTIVE_ENROLMENTS}) a)) GROUP BY 1 ORDER BY 1`,
        ),
      },
      {
        name: 'alerts-raised-by-rules',
        definition: 'Alerts the triage engine raised itself in the period (AlertRaised by a system actor, counted once per alert at its first raise), per colour raised.',
        values: await q(
          `SELECT lower(replace(data->>'colour', 'COLOUR_', '')) AS grp, count(*) AS value FROM (
             SELECT DISTINCT ON (data->>'alertId') data, effective_time, actor FROM audit_timeline WHERE type = ${T('triage.v1.AlertRaised')} ORDER BY data->>'alertId', effective_time) first
           WHERE effective_time >= $1 AND effective_time < $2 AND ($3::text IS NULL OR data->>'pathwayId' = $3) AND (actor IS NULL OR actor->>'role' = 'system') GROUP BY 1 ORDER BY 1`,
        ),
      },
      {
        name: 'shared-data-look-ups',
        definition: 'Reads of patients\' data by other parties\' systems in the period (access-log entries, AccessLogged, whose reader has the role system).',
        values: await q(`SELECT NULL AS grp, count(*) AS value FROM audit_timeline WHERE type = ${T('sharing.v1.AccessLogged')} AND effective_time >= $1 AND effective_time < $2 AND data->'actor'->>'role' = 'system' AND ($3::text IS NULL OR patient_id IN (SELECT patient_id FROM (${ACTIVE_ENROLMENTS}) a))`),
      },
      {
        name: 'measurements-received-from-other-parties',
        definition: 'Measurements of the period that a system submitted — a device gateway, PMD in or another health trust — rather than the patient or a clinician (MeasurementRecorded whose actor role is system).',
        values: await q(`SELECT NULL AS grp, count(*) AS value FROM audit_timeline WHERE type = ${T('measurements.v1.MeasurementRecorded')} AND effective_time >= $1 AND effective_time < $2 AND actor->>'role' = 'system' AND ($3::text IS NULL OR patient_id IN (SELECT patient_id FROM (${ACTIVE_ENROLMENTS}) a))`),
      },
      // Exchange with others (issue #21 item 7): counted by sharing as it sends and receives, not from events; for
      // every pathway (the counts keep no pathway).
      {
        name: 'measurements-sent-to-pmd',
        definition: 'Observation changes (new, corrected, entered-in-error) Pasientens måledata acknowledged, on the days (UTC) of the period, all pathways (table exchange_counts, channel pmd-out).',
        values: await q(`SELECT NULL AS grp, coalesce(sum(count), 0) AS value FROM exchange_counts WHERE channel = 'pmd-out' AND day >= $1::timestamptz::date AND day < $2::timestamptz AND ${ANY_PATHWAY}`),
      },
      {
        name: 'measurements-received-from-pmd',
        definition: 'Observations a municipality put in Pasientens måledata that were recorded in Varde in the period (PMD in; table pmd_in_seen, outcome recorded), all pathways.',
        values: await q(`SELECT NULL AS grp, count(*) AS value FROM pmd_in_seen WHERE outcome = 'recorded' AND seen_at >= $1 AND seen_at < $2 AND ${ANY_PATHWAY}`),
      },
      {
        name: 'feed-events-delivered',
        definition: 'Events the public feed delivered to each health trust (by organisation number), on the days (UTC) of the period, all pathways (table exchange_counts, channel feed).',
        values: await q(`SELECT receiver AS grp, sum(count) AS value FROM exchange_counts WHERE channel = 'feed' AND day >= $1::timestamptz::date AND day < $2::timestamptz AND ${ANY_PATHWAY} GROUP BY 1 ORDER BY 1`),
      },
    ];
    return { from, to, pathway: pathway ?? null, figures };
  }
}
