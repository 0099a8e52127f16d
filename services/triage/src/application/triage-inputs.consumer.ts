import { Inject, Injectable } from '@nestjs/common';
import type { IntegrationEvent } from '@varde/contracts';
import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { ValidationError } from '@varde/core';
import { eventStoreInTransaction, eventStoreUnitOfWork } from '@varde/event-sourcing';
import type { ConsumerContext, DeliveredMessage } from '@varde/messaging';
import { commandMetadataFromMessage, EVENT_STORE, INFRASTRUCTURE, IntegrationConsumer, type ConsumerDefinition, type Infrastructure } from '@varde/platform';
import { answerCode, canonicalCode, SCORE_UNIT } from '../domain/rule-set';
import type { Withdrawal } from '../domain/triage.decide';
import type { TriageInput } from '../domain/triage-rules';
import { RuleSetRegistry } from './rule-set.registry';
import { TriageOutcomeRecorder } from './triage-outcome.recorder';
import { TriageHandler } from './triage.handler';

const GROUP = 'assessment';
const CONSUMER = `triage.${GROUP}`;

/**
 * Turns enrolments, measurements (and their corrections) and questionnaire scores into triage commands, and
 * records their outcome (worklist, next check, alerts) in the same transaction as the record that the message
 * was processed.
 */
@Injectable()
export class TriageInputsConsumer extends IntegrationConsumer {
  constructor(
    @Inject(INFRASTRUCTURE) infra: Infrastructure,
    @Inject(TriageHandler) private readonly triage: TriageHandler,
    @Inject(RuleSetRegistry) private readonly ruleSets: RuleSetRegistry,
    @Inject(TriageOutcomeRecorder) private readonly recorder: TriageOutcomeRecorder,
    @Inject(EVENT_STORE) private readonly store: PostgresEventStore,
  ) {
    super(infra);
  }

  /**
   * Where a message's triage events go: appended in the consumer's transaction; for a run of one patient's
   * messages, kept by a unit of work (each message decides on what the earlier ones decided) and appended once
   * at the end of the run, in the same transaction.
   */
  private storeFor(ctx: ConsumerContext, patientId: string): PostgresEventStore {
    if (!ctx.run) return eventStoreInTransaction(this.store, ctx.client);
    return ctx.run.shared(`triage-events:${patientId}`, () => {
      const unit = eventStoreUnitOfWork(this.store);
      // States folded over the run's events must not outlive a rollback of them.
      return { value: unit.store, finish: () => unit.flush(ctx.client), abandon: () => this.triage.forget(patientId) };
    });
  }

  protected override definition(): ConsumerDefinition {
    return {
      group: GROUP,
      topics: ['varde.pathways.v1', 'varde.measurements.v1', 'varde.forms.v1'],
      // A patient's backlog (a Bundle of readings, a catch-up after downtime) is assessed in one transaction.
      runs: true,
      handlers: {
        'varde.pathways.v1.PatientEnrolled': (event, message, ctx) => this.onEnrolled(event, message, ctx),
        'varde.measurements.v1.MeasurementRecorded': (event, message, ctx) => this.onMeasurement(event, message, ctx),
        'varde.measurements.v1.MeasurementCorrected': (event, message, ctx) => this.onCorrected(event, message, ctx),
        'varde.measurements.v1.MeasurementEnteredInError': (event, message, ctx) => this.onEnteredInError(event, message, ctx),
        'varde.forms.v1.QuestionnaireResponseSubmitted': (event, message, ctx) => this.onResponse(event, message, ctx),
      },
    };
  }

  private async onEnrolled(event: IntegrationEvent<'varde.pathways.v1.PatientEnrolled'>, message: DeliveredMessage, ctx: ConsumerContext): Promise<void> {
    const patientId = requirePatient(event.patientId);
    // An enrolment on a rule set (version) triage does not have cannot be triaged: dead letter with the reason.
    const ruleSet = await this.ruleSets.resolve(event.ruleSetId, event.ruleSetVersion);
    const metadata = commandMetadataFromMessage(message, CONSUMER);
    const outcome = await this.triage.register(
      {
        patientId,
        pathwayId: event.pathwayId,
        enrolmentId: event.enrolmentId,
        enrolledAt: (event.enrolledAt ?? new Date(message.time)).toISOString(),
        ...(event.careTeamId ? { careTeamId: event.careTeamId } : {}),
      },
      ruleSet,
      metadata,
      this.storeFor(ctx, patientId),
    );
    await this.recorder.record(ctx.client, outcome, metadata, ctx.run);
  }

  private async onMeasurement(event: IntegrationEvent<'varde.measurements.v1.MeasurementRecorded'>, message: DeliveredMessage, ctx: ConsumerContext): Promise<void> {
    if (!event.code?.code) throw ValidationError.field('code', 'required: the LOINC code of the measurement');
    // A panel (blood pressure) carries its values in components, each triaged under its own code.
    const inputs =
      event.components.length > 0
        ? event.components.map((c, i) => {
            if (!c.code?.code) throw ValidationError.field(`components[${i}].code`, 'required: the LOINC code of the component');
            return inputFrom(message, { system: c.code.system, code: c.code.code }, c.value, c.unit, event.effectiveTime, `${event.measurementId}#${c.code.code}`);
          })
        : [inputFrom(message, { system: event.code.system, code: event.code.code }, event.value, event.unit, event.effectiveTime, event.measurementId)];
    await this.assess(requirePatient(event.patientId), { inputs }, message, ctx);
  }

  private async onCorrected(event: IntegrationEvent<'varde.measurements.v1.MeasurementCorrected'>, message: DeliveredMessage, ctx: ConsumerContext): Promise<void> {
    if (!event.code?.code) throw ValidationError.field('code', 'required: the LOINC code of the measurement');
    const input = inputFrom(message, { system: event.code.system, code: event.code.code }, event.value, event.unit, event.effectiveTime, event.measurementId);
    await this.assess(requirePatient(event.patientId), { inputs: [input] }, message, ctx);
  }

  private async onEnteredInError(event: IntegrationEvent<'varde.measurements.v1.MeasurementEnteredInError'>, message: DeliveredMessage, ctx: ConsumerContext): Promise<void> {
    if (!event.measurementId) throw ValidationError.field('measurement_id', 'required');
    const withdrawal: Withdrawal = { measurementId: event.measurementId, eventId: message.id, reason: event.reason };
    await this.assess(requirePatient(event.patientId), { withdrawals: [withdrawal] }, message, ctx);
  }

  private async onResponse(event: IntegrationEvent<'varde.forms.v1.QuestionnaireResponseSubmitted'>, message: DeliveredMessage, ctx: ConsumerContext): Promise<void> {
    const inputs = event.scores.map((score, i) => {
      if (!score.code?.code) throw ValidationError.field(`scores[${i}].code`, 'required: the code of the score');
      return inputFrom(message, { system: score.code.system, code: score.code.code }, score.value, SCORE_UNIT, event.authoredAt, `${event.responseId}#${score.code.code}`);
    });
    // Single answers too, so a rule can act on one item (breathlessness 4 or 5) whatever the total.
    for (const answer of event.answers) {
      if (!answer.linkId) throw ValidationError.field('answers.link_id', 'required: the item the answer belongs to');
      inputs.push(inputFrom(message, answerCode(event.questionnaireUrl, answer.linkId), answer.value, SCORE_UNIT, event.authoredAt, `${event.responseId}#${answer.linkId}`));
    }
    await this.assess(requirePatient(event.patientId), { inputs }, message, ctx);
  }

  private async assess(patientId: string, change: Parameters<TriageHandler['assess']>[1], message: DeliveredMessage, ctx: ConsumerContext): Promise<void> {
    const metadata = commandMetadataFromMessage(message, CONSUMER);
    await this.recorder.record(ctx.client, await this.triage.assess(patientId, change, metadata, this.storeFor(ctx, patientId)), metadata, ctx.run);
  }
}

function requirePatient(patientId: string): string {
  if (!patientId) throw ValidationError.field('patient_id', 'required');
  return patientId;
}

function inputFrom(message: DeliveredMessage, code: TriageInput['code'], value: number, unit: string, effectiveTime: Date | undefined, measurementId: string): TriageInput {
  return {
    measurementId,
    code: canonicalCode(code),
    value,
    unit,
    // The message time is the producer's effective time; it stands in when the payload lacks one.
    effectiveTime: (effectiveTime ?? new Date(message.time)).toISOString(),
    eventId: message.id,
    source: message.topic,
    position: message.offset,
  };
}
