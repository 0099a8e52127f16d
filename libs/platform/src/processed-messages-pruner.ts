import { Inject, Injectable } from '@nestjs/common';
import { pruneProcessedMessages } from '@varde/messaging';
import type { Logger } from '@varde/telemetry';
import type { Infrastructure } from './infrastructure';
import { IntervalJob } from './interval-job';
import { INFRASTRUCTURE } from './tokens';

/** How often a service prunes its consumer groups' records of processed messages. */
export const PRUNE_PROCESSED_EVERY_MS = 15 * 60_000;

/**
 * Deletes the service's records of processed messages older than PROCESSED_MESSAGES_RETENTION_DAYS (see
 * pruneProcessedMessages), every {@link PRUNE_PROCESSED_EVERY_MS}; every replica may run it, a row is deleted once.
 */
@Injectable()
export class ProcessedMessagesPruner extends IntervalJob {
  protected readonly jobName = 'pruning records of processed messages';
  protected readonly intervalMs = PRUNE_PROCESSED_EVERY_MS;
  protected readonly jobLogger: Logger;

  constructor(@Inject(INFRASTRUCTURE) private readonly infra: Infrastructure) {
    super();
    this.jobLogger = infra.logger;
  }

  /** One pruning at `now`: how many records it deleted. */
  async runOnce(now: Date): Promise<number> {
    const retentionMs = this.infra.config.consumers.processedRetentionMs;
    const deleted = await pruneProcessedMessages(this.infra.pool, new Date(now.getTime() - retentionMs));
    this.infra.metrics.counter('varde_processed_messages_pruned_total', 'Records of processed messages deleted once older than the retention.').inc(deleted);
    if (deleted > 0) this.jobLogger.info({ deleted, retentionDays: retentionMs / 86_400_000 }, 'pruned records of processed messages');
    return deleted;
  }
}
