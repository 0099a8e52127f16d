import { Inject, Injectable } from '@nestjs/common';
import type { IntegrationEvent } from '@varde/contracts';
import { ValidationError } from '@varde/core';
import type { ConsumerContext, DeliveredMessage } from '@varde/messaging';
import { commandMetadataFromMessage, INFRASTRUCTURE, IntegrationConsumer, type ConsumerDefinition, type Infrastructure } from '@varde/platform';
import type { TriageInput } from '../domain/triage-rules';
import { WorklistProjection } from '../infrastructure/worklist.projection';
import { AlertHandler } from './alert.handler';
import { TriageHandler } from './triage.handler';

const GROUP = 'assessment';
const CONSUMER = `triage.${GROUP}`;
/** Questionnaire scores are dimensionless; rules on them use the UCUM annotation `{score}`. */
const SCORE_UNIT = '{score}';

/**
 * Turns enrolments, measurements and questionnaire scores into triage commands, raises alerts on moves to
 * yellow or red, and keeps the worklist and alerts in the same transaction as the record that the message
 * was processed.
 */
@Injectable()
export class TriageInputsConsumer extends IntegrationConsumer {
  constructor(
    @Inject(INFRASTRUCTURE) infra: Infrastructure,
    @Inject(TriageHandler) private readonly triage: TriageHandler,
    @Inject(WorklistProjection) private readonly worklist: WorklistProjection,
    @Inject(AlertHandler) private readonly alerts: AlertHandler,
  ) {
    super(infra);
  }

  protected override definition(): ConsumerDefinition {
    return {
      group: GROUP,
      topics: ['varde.pathways.v1', 'varde.measurements.v1', 'varde.forms.v1'],
      handlers: {
        'varde.pathways.v1.PatientEnrolled': (event, message, ctx) => this.onEnrolled(event, message, ctx),
        'varde.measurements.v1.MeasurementRecorded': (event, message, ctx) => this.onMeasurement(event, message, ctx),
        'varde.forms.v1.QuestionnaireResponseSubmitted': (event, message, ctx) => this.onResponse(event, message, ctx),
      },
    };
  }

  private async onEnrolled(event: IntegrationEvent<'varde.pathways.v1.PatientEnrolled'>, message: DeliveredMessage, ctx: ConsumerContext): Promise<void> {
    const patientId = requirePatient(event.patientId);
    const events = await this.triage.register(
      { patientId, pathwayId: event.pathwayId, enrolmentId: event.enrolmentId, enrolledAt: (event.enrolledAt ?? new Date(message.time)).toISOString() },
      commandMetadataFromMessage(message, CONSUMER),
    );
    await this.worklist.apply(ctx.client, events);
  }

  private async onMeasurement(event: IntegrationEvent<'varde.measurements.v1.MeasurementRecorded'>, message: DeliveredMessage, ctx: ConsumerContext): Promise<void> {
    if (!event.code?.code) throw ValidationError.field('code', 'required: the LOINC code of the measurement');
    const input = inputFrom(message, { system: event.code.system, code: event.code.code }, event.value, event.unit, event.effectiveTime);
    await this.assess(requirePatient(event.patientId), [input], message, ctx);
  }

  private async onResponse(event: IntegrationEvent<'varde.forms.v1.QuestionnaireResponseSubmitted'>, message: DeliveredMessage, ctx: ConsumerContext): Promise<void> {
    const inputs = event.scores.map((score, i) => {
      if (!score.code?.code) throw ValidationError.field(`scores[${i}].code`, 'required: the code of the score');
      return inputFrom(message, { system: score.code.system, code: score.code.code }, score.value, SCORE_UNIT, event.authoredAt);
    });
    await this.assess(requirePatient(event.patientId), inputs, message, ctx);
  }

  private async assess(patientId: string, inputs: readonly TriageInput[], message: DeliveredMessage, ctx: ConsumerContext): Promise<void> {
    const metadata = commandMetadataFromMessage(message, CONSUMER);
    const events = await this.triage.assess(patientId, inputs, metadata);
    await this.worklist.apply(ctx.client, events);
    for (const { event } of events) {
      if (event.type === 'PatientTriaged') await this.alerts.onTriaged(ctx.client, event, metadata);
    }
  }
}

function requirePatient(patientId: string): string {
  if (!patientId) throw ValidationError.field('patient_id', 'required');
  return patientId;
}

function inputFrom(message: DeliveredMessage, code: TriageInput['code'], value: number, unit: string, effectiveTime: Date | undefined): TriageInput {
  return {
    code,
    value,
    unit,
    // The message time is the producer's effective time; it stands in when the payload lacks one.
    effectiveTime: (effectiveTime ?? new Date(message.time)).toISOString(),
    eventId: message.id,
    source: message.topic,
    position: message.offset,
  };
}
