import { Injectable } from '@nestjs/common';
import { colourFromProto, type IntegrationEvent } from '@varde/contracts';
import { ValidationError } from '@varde/core';
import type { Transaction } from '@varde/event-sourcing';
import { PatientStatuses } from '../application/patient-statuses.port';

type PatientTriaged = IntegrationEvent<'varde.triage.v1.PatientTriaged'>;

/**
 * {@link PatientStatuses} in table `patient_status`. Fed by triage's PatientTriaged; the newest assessment wins, so a
 * redelivered older event cannot overwrite a newer one.
 */
@Injectable()
export class PostgresPatientStatuses extends PatientStatuses {
  override async apply(event: PatientTriaged, client: Transaction): Promise<void> {
    if (!event.patientId) throw ValidationError.field('patient_id', 'required');
    const colour = colourFromProto(event.colour);
    if (!colour) throw ValidationError.field('colour', `expected green, yellow or red; got ${event.colour}`);
    if (!event.assessedAt) throw ValidationError.field('assessed_at', 'required');
    const reasons = event.reasons.map((r) => ({
      ruleId: r.ruleId,
      text: r.text,
      code: r.code,
      value: r.value,
      unit: r.unit,
      threshold: r.threshold,
      inputEventId: r.inputEventId,
      effectiveTime: r.effectiveTime?.toISOString(),
    }));
    await client.query(
      `INSERT INTO patient_status (patient_id, colour, reasons, assessed_at, assessment_id) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (patient_id) DO UPDATE SET colour = EXCLUDED.colour, reasons = EXCLUDED.reasons, assessed_at = EXCLUDED.assessed_at, assessment_id = EXCLUDED.assessment_id
       WHERE patient_status.assessed_at <= EXCLUDED.assessed_at`,
      [event.patientId, colour, JSON.stringify(reasons), event.assessedAt, event.assessmentId],
    );
  }
}
