import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { LOGGER } from '@varde/platform';
import type { Logger } from '@varde/telemetry';
import { TaskScheduler } from './task-scheduler';

/** Runs the scheduler's tick every `SCHEDULE_TICK_MS`, one tick at a time. */
@Injectable()
export class ScheduleClock implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    @Inject(TaskScheduler) private readonly scheduler: TaskScheduler,
    @Inject('SCHEDULE_TICK_MS') private readonly tickMs: number,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running ??= this.scheduler
        .tick(new Date())
        .then(() => undefined, (error: unknown) => this.logger.warn({ err: error }, 'schedule tick failed; next tick retries'))
        .finally(() => (this.running = undefined));
    }, this.tickMs);
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
