import { Inject, Injectable } from '@nestjs/common';
import { IntervalJob, LOGGER, type Logger } from '@varde/platform';
import { PmdFetcher } from './pmd-fetcher';
import { PMD_SETTINGS, type PmdSettings } from './pmd-settings';

/** Fetches from PMD for the enrolled patients whose turn has come, every PMD_FETCH_TICK_MS. */
@Injectable()
export class PmdFetchJob extends IntervalJob {
  protected readonly jobName = 'PMD fetch';
  protected readonly intervalMs: number;

  constructor(
    @Inject(PmdFetcher) private readonly fetcher: PmdFetcher,
    @Inject(PMD_SETTINGS) settings: PmdSettings,
    @Inject(LOGGER) protected readonly jobLogger: Logger,
  ) {
    super();
    this.intervalMs = settings.fetchTickMs;
  }

  protected runOnce(now: Date): Promise<unknown> {
    return this.fetcher.fetchDue(now);
  }
}
