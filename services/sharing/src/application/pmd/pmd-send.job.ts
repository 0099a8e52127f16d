import { Inject, Injectable } from '@nestjs/common';
import { IntervalJob, LOGGER, type Logger } from '@varde/platform';
import { PmdSender } from './pmd-sender';
import { PMD_SETTINGS, type PmdSettings } from './pmd-settings';

/** Sends the PMD queue every PMD_SEND_INTERVAL_MS. */
@Injectable()
export class PmdSendJob extends IntervalJob {
  protected readonly jobName = 'PMD send';
  protected readonly intervalMs: number;

  constructor(
    @Inject(PmdSender) private readonly sender: PmdSender,
    @Inject(PMD_SETTINGS) settings: PmdSettings,
    @Inject(LOGGER) protected readonly jobLogger: Logger,
  ) {
    super();
    this.intervalMs = settings.sendIntervalMs;
  }

  protected runOnce(now: Date): Promise<unknown> {
    return this.sender.sendDue(now);
  }
}
