import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import { pathwaysV1Events, type IntegrationEvent } from '@varde/contracts';
import { ValidationError } from '@varde/core';
import { deterministicId, EventStore } from '@varde/event-sourcing';
import type { ConsumerContext, DeliveredMessage } from '@varde/messaging';
import { commandMetadataFromMessage, INFRASTRUCTURE, IntegrationConsumer, type ConsumerDefinition, type Infrastructure } from '@varde/platform';
import { answerCode, canonicalCode, questionnaireCode, RESPONSE_UNIT, SCORE_UNIT } from '../domain/code-catalogue';
import type { EnrolmentChange } from '../domain/enrolment-course';
import type { Withdrawal } from '../domain/triage.decide';
import type { TriageInput } from '../domain/triage-rules';
import { RuleSetRegistry } from './rule-set.registry';
import { TriageOutcomeRecorder } from './triage-outcome.recorder';
import { TriageHandler } from './triage.handler';

const GROUP = 'assessment';
const CONSUMER = `triage.${GROUP}`;

/** A patient's measurement inputs of a run, not yet assessed, and the messages that carried them. */
type PendingInputs = { inputs: TriageInput[]; messages: DeliveredMessage[] };
/** What a run keeps for one patient: the store its events wait in, and the measurements still to assess. */
type PatientRun = { store: EventStore; pending: PendingInputs | undefined };

/**
 * Turns enrolments and what becomes of them (paused, resumed, discharged, pathway or care team changed, tasks
 * missed), measurements (and their corrections) and questionnaire scores into triage commands, and
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
    @Inject(EventStore) private readonly store: EventStore,
  ) {
    super(infra);
  }

  /**
   * Where a message's triage events go: appended in the consumer's transaction; for a run of one patient's
   * messages, kept by a unit of work (each command decides on what the earlier ones decided) and appended once
   * at the end of the run, in the same transaction.
   */
  private storeFor(ctx: ConsumerContext, patientId: string): EventStore {
    return ctx.run ? this.patientRun(ctx, patientId).store : this.store.within(ctx.client);
  }

  private patientRun(ctx: ConsumerContext, patientId: string): PatientRun {
    const run = ctx.run!;
    return run.shared(`triage-events:${patientId}`, () => {
      const unit = this.store.unitOfWork();
      const value: PatientRun = { store: unit.store, pending: undefined };
      return {
        value,
        // The measurements still pending are assessed first, so their events are in the unit when it is flushed.
        finish: async () => {
          await this.assessPending(patientId, value, ctx);
          await unit.flush(ctx.client);
        },
        // States folded over the run's events must not outlive a rollback of them.
        abandon: () => this.triage.forget(patientId),
      };
    });
  }

  /**
   * In a run, a patient's consecutive measurements are assessed together, as one command, when the run ends or
   * a message of another kind comes (which must see them first): a Bundle of readings is then evaluated once
   * from its earliest reading on, not once per reading. What is recorded per input, and the outcome in force
   * after the run, are what one command per measurement gives; only the intermediate outcomes a later reading
   * of the same run would at once revise are not recorded.
   */
  private assessLater(patientId: string, inputs: readonly TriageInput[], message: DeliveredMessage, ctx: ConsumerContext): void {
    const patient = this.patientRun(ctx, patientId);
    patient.pending ??= { inputs: [], messages: [] };
    patient.pending.inputs.push(...inputs);
    patient.pending.messages.push(message);
  }

  private async assessPending(patientId: string, patient: PatientRun, ctx: ConsumerContext): Promise<void> {
    const pending = patient.pending;
    if (!pending) return;
    patient.pending = undefined;
    // A backlog's assessment is one long piece of work on the event loop: let the answers other transactions are
    // waiting for (a single reading's, a worklist read's) be handled first, so they do not queue behind it.
    await yieldToEventLoop();
    const [first] = pending.messages;
    const last = pending.messages[pending.messages.length - 1]!;
    const metadata = commandMetadataFromMessage(first!, CONSUMER);
    // One message: the id it would have alone; several: an id of their own (from the first and the last).
    const batch = pending.messages.length === 1 ? metadata : { ...metadata, commandId: deterministicId(`${CONSUMER}:${first!.id}..${last.id}:${pending.messages.length}`) };
    await this.recorder.record(ctx.client, await this.triage.assess(patientId, { inputs: pending.inputs }, batch, patient.store), batch, ctx.run);
  }

  /** Before a message of another kind is handled in a run, the patient's pending measurements are assessed. */
  private async settle(patientId: string, ctx: ConsumerContext): Promise<void> {
    if (ctx.run) await this.assessPending(patientId, this.patientRun(ctx, patientId), ctx);
  }

  protected override definition(): ConsumerDefinition {
    return {
      group: GROUP,
      topics: ['varde.pathways.v1', 'varde.measurements.v1', 'varde.forms.v1'],
      // A patient's backlog (a Bundle of readings, a catch-up after downtime) is assessed in one transaction.
      runs: 'per-patient',
      handlers: {
        'varde.pathways.v1.PatientEnrolled': (event, message, ctx) => this.onEnrolled(event, message, ctx),
        'varde.pathways.v1.EnrolmentPaused': (event, message, ctx) =>
          this.onEnrolmentChange(event.patientId, { kind: 'paused', at: timeOf(event.pausedAt, message), reason: event.reason, ...(event.pausedUntil ? { until: event.pausedUntil.toISOString() } : {}) }, message, ctx),
        'varde.pathways.v1.EnrolmentResumed': (event, message, ctx) => this.onEnrolmentChange(event.patientId, { kind: 'resumed', at: timeOf(event.resumedAt, message) }, message, ctx),
        'varde.pathways.v1.PatientDischarged': (event, message, ctx) =>
          this.onEnrolmentChange(event.patientId, { kind: 'discharged', at: timeOf(event.dischargedAt, message), reason: pathwaysV1Events.DischargeReason[event.reason] ?? String(event.reason) }, message, ctx),
        'varde.pathways.v1.PathwayChanged': (event, message, ctx) =>
          this.onEnrolmentChange(event.patientId, { kind: 'pathway-changed', at: timeOf(event.changedAt, message), pathwayId: event.pathwayId, ruleSetId: event.ruleSetId, ruleSetVersion: event.ruleSetVersion }, message, ctx),
        'varde.pathways.v1.CareTeamChanged': (event, message, ctx) => this.onEnrolmentChange(event.patientId, { kind: 'care-team-changed', at: timeOf(event.changedAt, message), careTeamId: event.careTeamId }, message, ctx),
        'varde.pathways.v1.TaskMissed': (event, message, ctx) => this.onTaskMissed(event, message, ctx),
        'varde.measurements.v1.MeasurementRecorded': (event, message, ctx) => this.onMeasurement(event, message, ctx),
        'varde.measurements.v1.MeasurementCorrected': (event, message, ctx) => this.onCorrected(event, message, ctx),
        'varde.measurements.v1.MeasurementEnteredInError': (event, message, ctx) => this.onEnteredInError(event, message, ctx),
        'varde.forms.v1.QuestionnaireResponseSubmitted': (event, message, ctx) => this.onResponse(event, message, ctx),
      },
    };
  }

  private async onEnrolled(event: IntegrationEvent<'varde.pathways.v1.PatientEnrolled'>, message: DeliveredMessage, ctx: ConsumerContext): Promise<void> {
    const patientId = requirePatient(event.patientId);
    await this.settle(patientId, ctx);
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
        ruleSetId: event.ruleSetId,
        ruleSetVersion: event.ruleSetVersion,
      },
      ruleSet,
      metadata,
      this.storeFor(ctx, patientId),
    );
    await this.recorder.record(ctx.client, outcome, metadata, ctx.run);
  }

  private async onEnrolmentChange(patientId: string, change: EnrolmentChange, message: DeliveredMessage, ctx: ConsumerContext): Promise<void> {
    const patient = requirePatient(patientId);
    await this.settle(patient, ctx);
    const metadata = commandMetadataFromMessage(message, CONSUMER);
    await this.recorder.record(ctx.client, await this.triage.recordEnrolmentChange(patient, change, metadata, this.storeFor(ctx, patient)), metadata, ctx.run);
  }

  /**
   * A missed measurement task counts for the missing-report rule of its LOINC code, a missed questionnaire task for
   * the one of its questionnaire (`questionnaire:<id>`); a free task has no code a rule names.
   */
  private async onTaskMissed(event: IntegrationEvent<'varde.pathways.v1.TaskMissed'>, message: DeliveredMessage, ctx: ConsumerContext): Promise<void> {
    const code = missedTaskCode(event);
    if (!code) return;
    if (!event.dueAt || !event.windowEnd) throw ValidationError.field(!event.dueAt ? 'due_at' : 'window_end', 'required');
    const patientId = requirePatient(event.patientId);
    await this.settle(patientId, ctx);
    const task = { taskId: event.taskId, code, dueAt: event.dueAt.toISOString(), windowEnd: event.windowEnd.toISOString() };
    const metadata = commandMetadataFromMessage(message, CONSUMER);
    await this.recorder.record(ctx.client, await this.triage.recordMissedTask(patientId, task, metadata, this.storeFor(ctx, patientId)), metadata, ctx.run);
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
    const patientId = requirePatient(event.patientId);
    if (ctx.run) this.assessLater(patientId, inputs, message, ctx);
    else await this.assess(patientId, { inputs }, message, ctx);
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
    // And the response itself: a report of the questionnaire, which ends what a missing-report rule on it counts.
    if (!event.questionnaireUrl) throw ValidationError.field('questionnaire_url', 'required: the questionnaire answered');
    inputs.push(inputFrom(message, questionnaireCode(event.questionnaireUrl), 1, RESPONSE_UNIT, event.authoredAt, `${event.responseId}#questionnaire`));
    await this.assess(requirePatient(event.patientId), { inputs }, message, ctx);
  }

  private async assess(patientId: string, change: Parameters<TriageHandler['assess']>[1], message: DeliveredMessage, ctx: ConsumerContext): Promise<void> {
    await this.settle(patientId, ctx);
    const metadata = commandMetadataFromMessage(message, CONSUMER);
    await this.recorder.record(ctx.client, await this.triage.assess(patientId, change, metadata, this.storeFor(ctx, patientId)), metadata, ctx.run);
  }
}

/** When an enrolment change took effect: the event's own time, else the message's (the producer's effective time). */
const timeOf = (at: Date | undefined, message: DeliveredMessage): string => (at ?? new Date(message.time)).toISOString();

function requirePatient(patientId: string): string {
  if (!patientId) throw ValidationError.field('patient_id', 'required');
  return patientId;
}

/** The code a missed task counts under: its LOINC code, or its questionnaire's; none for a free task. */
function missedTaskCode(event: IntegrationEvent<'varde.pathways.v1.TaskMissed'>): TriageInput['code'] | undefined {
  switch (event.kind) {
    case pathwaysV1Events.TaskKind.TASK_KIND_MEASUREMENT:
      if (!event.loincCode) throw ValidationError.field('loinc_code', 'required for a measurement task');
      return canonicalCode({ system: 'http://loinc.org', code: event.loincCode });
    case pathwaysV1Events.TaskKind.TASK_KIND_QUESTIONNAIRE:
      if (!event.questionnaire) throw ValidationError.field('questionnaire', 'required for a questionnaire task: its canonical url|version');
      return questionnaireCode(event.questionnaire);
    default:
      return undefined;
  }
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
