import { createRequire } from 'node:module';

/** The part of kafkajs's (internal) RequestQueue the fix touches. */
type RequestQueueLike = {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
};

// kafkajs's own interval for re-checking requests held back by throttling or the in-flight limit.
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;
const FIXED = Symbol.for('varde.kafkajs.idle-loop-fix');

/**
 * kafkajs 2.2.4 (the last release) re-arms a timer after every check of a connection's request queue, even when
 * nothing waits: with nothing throttled the delay is negative, so each connection runs a 1 ms timer loop for
 * ever (tulios/kafkajs#1556, #1704; the fix in #1667 was never merged). Measured here: ~1 500 timers a second
 * and 2.5 % of a core per idle consumer. The replacement schedules a check only while requests wait: at the end
 * of a throttle, else after kafkajs's 10 ms interval (a request held by the in-flight limit is also sent when
 * an answer frees a slot, as before). Applied once, and only to the version it was written for.
 */
export function fixKafkaJsIdleLoop(): boolean {
  const require = createRequire(__filename);
  const version = (require('kafkajs/package.json') as { version: string }).version;
  if (version !== '2.2.4') return false;
  const RequestQueue = require('kafkajs/src/network/requestQueue') as { prototype: RequestQueueLike & { [FIXED]?: true } };
  if (RequestQueue.prototype[FIXED]) return true;
  RequestQueue.prototype.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(this: RequestQueueLike): void {
    if (this.throttleCheckTimeoutId || this.pending.length === 0) return;
    const untilUnthrottled = this.throttledUntil - Date.now();
    this.throttleCheckTimeoutId = setTimeout(() => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    }, untilUnthrottled > 0 ? untilUnthrottled : CHECK_PENDING_REQUESTS_INTERVAL_MS);
  };
  RequestQueue.prototype[FIXED] = true;
  return true;
}
