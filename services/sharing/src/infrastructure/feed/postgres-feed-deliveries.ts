import { Injectable } from '@nestjs/common';
import type { PublicFeedDomain } from '@varde/contracts';
import type { Transaction } from '@varde/event-sourcing';
import { FeedDeliveries } from '../../application/feed/public-feed.ports';

/** {@link FeedDeliveries} in table `exchange_counts` (channel `feed`, one row per trust, domain and day). */
@Injectable()
export class PostgresFeedDeliveries extends FeedDeliveries {
  override async record(tx: Transaction, trusts: readonly string[], domain: PublicFeedDomain): Promise<void> {
    if (trusts.length === 0) return;
    await tx.query(
      `INSERT INTO exchange_counts (channel, receiver, domain, day, count) SELECT 'feed', t, $2, current_date, 1 FROM unnest($1::text[]) AS t
       ON CONFLICT (channel, receiver, domain, day) DO UPDATE SET count = exchange_counts.count + 1`,
      [trusts, domain],
    );
  }
}
