import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Logger } from '@varde/telemetry';

/**
 * A job run every interval while the service runs. A slow run is not overlapped by the next tick; a failed
 * run is logged and retried at the next one; shutdown waits for the run in hand.
 */
export abstract class IntervalJob implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  protected abstract readonly jobName: string;
  protected abstract readonly intervalMs: number;
  protected abstract readonly jobLogger: Logger;

  /** One run at `now`. */
  protected abstract runOnce(now: Date): Promise<unknown>;

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running ??= this.runOnce(new Date())
        .then(() => undefined, (error: unknown) => this.jobLogger.warn({ err: error }, `${this.jobName} failed; retrying next interval`))
        .finally(() => (this.running = undefined));
    }, this.intervalMs);
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
