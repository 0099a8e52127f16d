import type { PublicFeedDomain } from '@varde/contracts';
import type { Transaction } from '@varde/event-sourcing';
import type { PublicFeedEvent } from './public-event-mapping';

/** One public event for one trust, with the envelope it travels in (CloudEvents headers on the feed). */
export type OutgoingPublicEvent = Readonly<{
  trust: string;
  /** The id of the internal event it tells of (`ce_id`): the same on a resend, so a trust's consumer can deduplicate. */
  id: string;
  /** Varde's pseudonymous patient id (the Kafka key, so a patient's events stay in order). */
  key: string;
  /** When the fact happened (`ce_time`). */
  time: string;
  correlationId: string;
  event: PublicFeedEvent;
}>;

/** Port: the cluster the public feed is published on, one topic per trust and domain. Resolves once the broker has every event. */
export abstract class PublicFeed {
  abstract publish(events: readonly OutgoingPublicEvent[]): Promise<void>;
}

/** Port: the per-day counts of what the feed delivered to each trust, for the strategy figures. */
export abstract class FeedDeliveries {
  /** Adds one delivery per trust named, in the transaction that records the consumed event as processed. */
  abstract record(tx: Transaction, trusts: readonly string[], domain: PublicFeedDomain): Promise<void>;
}
