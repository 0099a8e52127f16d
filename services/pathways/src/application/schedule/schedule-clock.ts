import { Inject, Injectable } from '@nestjs/common';
import { IntervalJob, LOGGER } from '@varde/platform';
import type { Logger } from '@varde/telemetry';
import { TaskScheduler } from './task-scheduler';

/** Runs the scheduler's tick every `SCHEDULE_TICK_MS`, one tick at a time. */
@Injectable()
export class ScheduleClock extends IntervalJob {
  protected readonly jobName = 'schedule tick';

  constructor(
    @Inject(TaskScheduler) private readonly scheduler: TaskScheduler,
    @Inject('SCHEDULE_TICK_MS') protected readonly intervalMs: number,
    @Inject(LOGGER) protected readonly jobLogger: Logger,
  ) {
    super();
  }

  protected runOnce(now: Date): Promise<unknown> {
    return this.scheduler.tick(now);
  }
}
