import { Inject, Injectable } from '@nestjs/common';
import { INFRASTRUCTURE, IntegrationConsumer, type ConsumerDefinition, type Infrastructure } from '@varde/platform';
import type { ConsumerContext, ConsumerRun, DeliveredMessage } from '@varde/messaging';
import { TaskScheduler, type InputEvent } from './task-scheduler';

/**
 * What moves the schedule besides the clock: the enrolment's own events (replan that patient) and the patient's
 * inputs (a measurement or questionnaire response completes the open task it matches).
 */
@Injectable()
export class ScheduleConsumer extends IntegrationConsumer {
  constructor(
    @Inject(INFRASTRUCTURE) infra: Infrastructure,
    @Inject(TaskScheduler) private readonly scheduler: TaskScheduler,
  ) {
    super(infra);
  }

  protected override definition(): ConsumerDefinition {
    const replan = async (event: { patientId: string }, _message: DeliveredMessage, context: ConsumerContext): Promise<void> => {
      // Inputs earlier in the run complete their tasks before the enrolment's change can cancel them, as they came.
      await this.completeNoted(context);
      await this.scheduler.replan(event.patientId, new Date());
    };
    return {
      group: 'schedule',
      // Most messages here change nothing or write one row: many patients' share a transaction and its commit, and
      // the open tasks of the run's inputs are found in one look-up.
      runs: 'across-patients',
      // Every measurement passes here and nobody waits on it: fetched in bigger runs (up to 200 ms later).
      background: true,
      topics: ['varde.pathways.v1', 'varde.measurements.v1', 'varde.forms.v1'],
      handlers: {
        'varde.pathways.v1.PatientEnrolled': replan,
        'varde.pathways.v1.EnrolmentPaused': replan,
        'varde.pathways.v1.EnrolmentResumed': replan,
        'varde.pathways.v1.PathwayChanged': replan,
        'varde.pathways.v1.PatientDischarged': replan,
        'varde.measurements.v1.MeasurementRecorded': (event, message, context) => {
          const codes = [event.code?.code, ...event.components.map((c) => c.code?.code)].filter((c): c is string => !!c);
          const at = (event.effectiveTime ?? new Date()).toISOString();
          return this.note({ eventId: message.id, alternatives: codes.map((loinc) => ({ patientId: event.patientId, loinc, at })) }, context);
        },
        'varde.forms.v1.QuestionnaireResponseSubmitted': (event, message, context) =>
          this.note({ eventId: message.id, alternatives: [{ patientId: event.patientId, questionnaire: `${event.questionnaireUrl}|${event.questionnaireVersion}`, at: (event.authoredAt ?? new Date()).toISOString() }] }, context),
      },
    };
  }

  /** An input to complete a task with: at once when handled alone, else with the run's other inputs before its commit. */
  private async note(input: InputEvent, context: ConsumerContext): Promise<void> {
    if (input.alternatives.length === 0) return;
    if (!context.run) return this.scheduler.completeAll([input], new Date());
    this.noted(context.run).push(input);
  }

  private noted(run: ConsumerRun): InputEvent[] {
    return run.shared('schedule-inputs', () => {
      const inputs: InputEvent[] = [];
      return { value: inputs, finish: () => this.scheduler.completeAll(inputs.splice(0), new Date()) };
    });
  }

  private async completeNoted(context: ConsumerContext): Promise<void> {
    if (context.run) await this.scheduler.completeAll(this.noted(context.run).splice(0), new Date());
  }
}
