import type { DeliveredMessage } from './message-bus';

/** Messages of different keys handled at once by one subscription unless configured otherwise. */
export const DEFAULT_KEY_CONCURRENCY = 8;

/** Most messages of one key handed to a run handler at once. */
export const MAX_RUN = 50;

/**
 * Handles `messages` (in delivery order) with up to `concurrency` keys at a time: the messages of one key
 * (one patient) run one after the other in their order, different keys overlap. Consumers spend most of a
 * message waiting on the database or another service, so overlapping patients is what lets one consumer keep
 * up with ingest, while per-patient order — all a consumer may rely on — is kept.
 *
 * With `handleRun`, consecutive messages of one key (up to {@link MAX_RUN}) go to it together instead, in
 * their order; a key with one message still goes to `handler`. With `acrossKeys` too, the messages go to
 * `handleRun` in delivery order, up to {@link MAX_RUN} of any keys at a time, one run after the other (so each
 * key's order holds): for consumers whose handlers keep nothing between messages, a run is one transaction for
 * many patients' messages instead of one each.
 *
 * Resolves with how many messages were handled (all of them). When a handler throws, no further key is started,
 * the keys in flight finish, and it rejects with the first error; `handledPrefix` on the error says how many
 * messages from the start were all handled, so a caller can commit exactly that far and redeliver the rest.
 */
export async function handleByKey(
  messages: readonly DeliveredMessage[],
  handler: (message: DeliveredMessage) => Promise<void>,
  concurrency: number,
  isStopped: () => boolean = () => false,
  handleRun?: (messages: readonly DeliveredMessage[]) => Promise<void>,
  acrossKeys = false,
): Promise<number> {
  if (handleRun && acrossKeys) return handleInDeliveryOrder(messages, handler, handleRun, isStopped);
  const handled = new Array<boolean>(messages.length).fill(false);
  const queues = new Map<string, number[]>();
  messages.forEach((message, index) => {
    const queue = queues.get(message.key);
    if (queue) queue.push(index);
    else queues.set(message.key, [index]);
  });
  const pending = [...queues.values()];
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    for (let queue = pending.shift(); queue && !failure; queue = pending.shift()) {
      // Several messages of one key at once go to handleRun (one patient's backlog, handled together).
      const step = handleRun ? MAX_RUN : 1;
      for (let start = 0; start < queue.length; start += step) {
        if (failure || isStopped()) return;
        const run = queue.slice(start, start + step);
        try {
          if (run.length > 1) await handleRun!(run.map((index) => messages[index]!));
          else await handler(messages[run[0]!]!);
          for (const index of run) handled[index] = true;
        } catch (error) {
          failure ??= { error };
          return;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, pending.length)) }, worker));
  const prefix = handled.indexOf(false) === -1 ? messages.length : handled.indexOf(false);
  if (failure) throw Object.assign(failure.error instanceof Error ? failure.error : new Error(String(failure.error)), { handledPrefix: prefix });
  return prefix;
}

/** {@link handleByKey} with runs across keys: runs of up to MAX_RUN messages in delivery order, one after the other. */
async function handleInDeliveryOrder(
  messages: readonly DeliveredMessage[],
  handler: (message: DeliveredMessage) => Promise<void>,
  handleRun: (messages: readonly DeliveredMessage[]) => Promise<void>,
  isStopped: () => boolean,
): Promise<number> {
  let handled = 0;
  while (handled < messages.length && !isStopped()) {
    const run = messages.slice(handled, handled + MAX_RUN);
    try {
      if (run.length > 1) await handleRun(run);
      else await handler(run[0]!);
    } catch (error) {
      throw Object.assign(error instanceof Error ? error : new Error(String(error)), { handledPrefix: handled });
    }
    handled += run.length;
  }
  return handled;
}

/** How many messages from the start a failed {@link handleByKey} had handled (0 when unknown). */
export const handledPrefixOf = (error: unknown): number => (typeof (error as { handledPrefix?: unknown })?.handledPrefix === 'number' ? (error as { handledPrefix: number }).handledPrefix : 0);

/** Runs at most `max` of the functions given to it at once, the others waiting in order (shared by a subscription's partitions). */
export function concurrencyLimit(max: number): <T>(run: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(run: () => Promise<T>): Promise<T> => {
    if (active >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    else active++;
    try {
      return await run();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}
