import { createRequire } from 'node:module';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { fixKafkaJsIdleLoop } from './kafkajs-idle-loop-fix';

type Queue = { inflight: Map<number, unknown>; pending: unknown[]; throttledUntil: number; throttleCheckTimeoutId: NodeJS.Timeout | null; checkPendingRequests(): void; destroy(): void };
const RequestQueue = createRequire(__filename)('kafkajs/src/network/requestQueue') as new (options: object) => Queue;
const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const queue = (): Queue => new RequestQueue({ maxInFlightRequests: 1, requestTimeout: 30_000, enforceRequestTimeout: true, clientId: 'spec', broker: 'localhost:9092', logger: silent });

describe('the kafkajs idle timer loop fix', () => {
  beforeAll(() => {
    expect(fixKafkaJsIdleLoop()).toBe(true);
  });
  afterEach(() => vi.useRealTimers());

  it('leaves an idle connection without timers: checking an empty queue schedules nothing', () => {
    vi.useFakeTimers();
    const q = queue();
    q.checkPendingRequests();
    expect(q.throttleCheckTimeoutId).toBeNull();
    expect(vi.getTimerCount()).toBe(0);
    q.destroy();
  });

  it('still checks again while a request waits: at the end of a throttle, else after 10 ms', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const counted = (q: Queue): { checks: number } => {
      const counter = { checks: 0 };
      const check = q.checkPendingRequests.bind(q);
      q.checkPendingRequests = () => {
        counter.checks++;
        check();
      };
      return counter;
    };
    // Throttled by the broker for 250 ms: the request goes when the throttle ends, and then no timer is left.
    const throttled = queue();
    let sent = 0;
    throttled.pending.push({ correlationId: 7, expectResponse: true, send: () => sent++ });
    throttled.throttledUntil = Date.now() + 250;
    const afterThrottle = counted(throttled);
    throttled.checkPendingRequests();
    afterThrottle.checks = 0;
    vi.advanceTimersByTime(249);
    expect([afterThrottle.checks, sent]).toEqual([0, 0]);
    vi.advanceTimersByTime(1);
    expect([afterThrottle.checks, sent]).toEqual([1, 1]);
    expect(vi.getTimerCount()).toBe(0);
    throttled.destroy();

    // Held by the in-flight limit (1, taken): checked again every 10 ms until it can go.
    const held = queue();
    held.inflight.set(1, {});
    held.pending.push({});
    const whileHeld = counted(held);
    held.checkPendingRequests();
    whileHeld.checks = 0;
    vi.advanceTimersByTime(10);
    expect(whileHeld.checks).toBe(1);
    vi.advanceTimersByTime(10);
    expect(whileHeld.checks).toBe(2);
    held.pending.length = 0;
    vi.advanceTimersByTime(10);
    expect(vi.getTimerCount()).toBe(0);
    held.destroy();
  });

  it('is applied once, whatever the number of buses', () => {
    expect(fixKafkaJsIdleLoop()).toBe(true);
    vi.useFakeTimers();
    const q = queue();
    q.checkPendingRequests();
    expect(vi.getTimerCount()).toBe(0);
    q.destroy();
  });
});
