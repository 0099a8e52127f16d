import { sqlMigration } from '@varde/database';

/**
 * One row per questionnaire response, as its latest version reads (`PostgresResponseIndex`): what
 * `GET /fhir/QuestionnaireResponse?subject=…` searches, by patient and authored time. The responses themselves are
 * in their streams; a row is written in the transaction of the response's events.
 */
export const responseIndex = sqlMigration(`
  CREATE TABLE questionnaire_responses (
    response_id uuid PRIMARY KEY, patient_id uuid NOT NULL, questionnaire_url text NOT NULL, questionnaire_version text NOT NULL,
    status text NOT NULL, authored_at timestamptz NOT NULL, version int NOT NULL);
  CREATE INDEX questionnaire_responses_patient ON questionnaire_responses (patient_id, authored_at DESC);`);
