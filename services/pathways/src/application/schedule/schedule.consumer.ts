import { Inject, Injectable } from '@nestjs/common';
import { INFRASTRUCTURE, IntegrationConsumer, type ConsumerDefinition, type Infrastructure } from '@varde/platform';
import { TaskScheduler } from './task-scheduler';

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
    const replan = async (event: { patientId: string }): Promise<void> => this.scheduler.replan(event.patientId, new Date());
    return {
      group: 'schedule',
      // Most messages here change nothing or write one row: many patients' share a transaction and its commit.
      runs: 'across-patients',
      topics: ['varde.pathways.v1', 'varde.measurements.v1', 'varde.forms.v1'],
      handlers: {
        'varde.pathways.v1.PatientEnrolled': replan,
        'varde.pathways.v1.EnrolmentPaused': replan,
        'varde.pathways.v1.EnrolmentResumed': replan,
        'varde.pathways.v1.PathwayChanged': replan,
        'varde.pathways.v1.PatientDischarged': replan,
        'varde.measurements.v1.MeasurementRecorded': async (event, message) => {
          const codes = [event.code?.code, ...event.components.map((c) => c.code?.code)].filter((c): c is string => !!c);
          const at = (event.effectiveTime ?? new Date()).toISOString();
          for (const loinc of codes) if (await this.scheduler.complete({ patientId: event.patientId, loinc, at }, message.id, new Date())) return;
        },
        'varde.forms.v1.QuestionnaireResponseSubmitted': async (event, message) => {
          await this.scheduler.complete({ patientId: event.patientId, questionnaire: `${event.questionnaireUrl}|${event.questionnaireVersion}`, at: (event.authoredAt ?? new Date()).toISOString() }, message.id, new Date());
        },
      },
    };
  }
}
