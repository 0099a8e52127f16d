import { Inject, Injectable } from '@nestjs/common';
import { ConcurrencyError } from '@varde/core';
import { deterministicId } from '@varde/event-sourcing';
import { IntervalJob, LOGGER, type Logger } from '@varde/platform';
import { AssignFormHandler } from './assign-form.handler';
import { AssignmentDeadlines } from './assignment-deadlines.port';

const CLOCK = { subject: 'varde-forms-deadlines', role: 'system' } as const;
const BATCH = 500;

/**
 * Every `FORM_DEADLINE_TICK_MS`, lets the assignment deadlines that have come pass: an open assignment past its
 * expiry lapses (FormAssignmentExpired), a reminder time passed while it is open raises FormReminderDue. Each
 * patient is decided at exactly the due moment, with a command id derived from (patient, moment): the events are
 * the same whenever the job runs, and two replicas or a restart write them once.
 */
@Injectable()
export class AssignmentDeadlineJob extends IntervalJob {
  protected readonly jobName = 'form assignment deadlines';

  constructor(
    @Inject(AssignmentDeadlines) private readonly deadlines: AssignmentDeadlines,
    @Inject(AssignFormHandler) private readonly assignments: AssignFormHandler,
    @Inject('FORM_DEADLINE_TICK_MS') protected readonly intervalMs: number,
    @Inject(LOGGER) protected readonly jobLogger: Logger,
  ) {
    super();
  }

  protected runOnce(now: Date): Promise<number> {
    return this.passDeadlines(now);
  }

  /** Lets every deadline due at `now` pass (a patient's later deadlines that are also due, one after the other); answers how many events that recorded. */
  async passDeadlines(now: Date): Promise<number> {
    let recorded = 0;
    for (;;) {
      let progressed = false;
      for (const { patientId, dueAt } of await this.deadlines.due(now.toISOString(), BATCH)) {
        const commandId = deterministicId(`form-deadlines:${patientId}:${dueAt}`);
        try {
          const events = await this.assignments.checkDeadlines(patientId, { commandId, correlationId: commandId, actor: CLOCK, now: dueAt });
          recorded += events;
          progressed ||= events > 0;
        } catch (error) {
          // Another replica deciding the same deadline wrote it first (its commit moves the patient's next deadline);
          // anything else is one patient's problem: the others go on, this one is tried again next run.
          if (!(error instanceof ConcurrencyError)) this.jobLogger.warn({ err: error, patientId }, 'a form assignment deadline could not be passed; retrying next run');
        }
      }
      if (!progressed) return recorded;
    }
  }
}
