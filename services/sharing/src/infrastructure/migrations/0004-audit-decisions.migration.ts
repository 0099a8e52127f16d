import { sqlMigration } from '@varde/database';

/** Triage decisions on the auditor's timeline found by assessment id (`GET /fhir/Provenance?target=RiskAssessment/<id>`). */
export const auditDecisions = sqlMigration(`
  CREATE INDEX audit_timeline_assessment ON audit_timeline ((data->>'assessmentId')) WHERE type = 'varde.triage.v1.PatientTriaged';`);
