import { measurementIdentifier, type PmdObservation } from './pmd-observation';

/** One queued change of a measurement, ready to send: its latest Observation and which version of it this is. */
export type QueuedObservation = Readonly<{ measurementId: string; patientId: string; version: number; observation: PmdObservation }>;

/** The patient as PMD identifies them. */
export type PatientIdentifier = Readonly<{ system: string; value: string }>;

/** What PMD said about one entry of a batch. */
export type EntryOutcome =
  | Readonly<{ kind: 'stored' }>
  | Readonly<{ kind: 'rejected'; reason: string }>
  | Readonly<{ kind: 'retry'; reason: string }>;

/**
 * A FHIR `batch` Bundle for PMD. The first version of a measurement is a conditional create (`ifNoneExist` on its
 * identifier), so a resend after a lost answer finds the one already stored; later versions (corrections,
 * entered-in-error) are a conditional update on the identifier, which stores the new version or creates it when
 * the first never arrived. Either way one measurement is one resource in PMD.
 */
export function pmdBatch(items: readonly (QueuedObservation & { subject: PatientIdentifier })[]): Record<string, unknown> {
  return {
    resourceType: 'Bundle',
    type: 'batch',
    entry: items.map((item) => {
      const { system, value } = measurementIdentifier(item.measurementId);
      const search = `identifier=${encodeURIComponent(`${system}|${value}`)}`;
      return {
        resource: { ...item.observation, subject: { identifier: item.subject } },
        request: item.version === 1 ? { method: 'POST', url: 'Observation', ifNoneExist: search } : { method: 'PUT', url: `Observation?${search}` },
      };
    }),
  };
}

/** The batch-response did not fit the batch: not a Bundle, not a batch-response, or another number of entries. */
export class MalformedBatchResponse extends Error {
  constructor(reason: string) {
    super(`PMD answered a malformed batch-response: ${reason}`);
    this.name = 'MalformedBatchResponse';
  }
}

/**
 * Reads PMD's batch-response: per entry, stored (2xx), rejected for good (4xx but 408/429: the entry itself is
 * wrong and resending will not help) or to try again (408, 429, 5xx). Throws {@link MalformedBatchResponse} when the
 * response cannot be matched to the entries sent.
 */
export function readBatchResponse(body: unknown, sent: number): EntryOutcome[] {
  if (typeof body !== 'object' || body === null) throw new MalformedBatchResponse('not a JSON object');
  const bundle = body as { resourceType?: unknown; type?: unknown; entry?: unknown };
  if (bundle.resourceType !== 'Bundle' || bundle.type !== 'batch-response') throw new MalformedBatchResponse(`expected a Bundle of type batch-response, got ${String(bundle.resourceType)} ${String(bundle.type)}`);
  const entries = Array.isArray(bundle.entry) ? bundle.entry : [];
  if (entries.length !== sent) throw new MalformedBatchResponse(`${entries.length} entries answered for ${sent} sent`);
  return entries.map((entry, i): EntryOutcome => {
    const response = (entry as { response?: { status?: unknown; outcome?: unknown } } | null)?.response;
    const status = Number.parseInt(String(response?.status ?? ''), 10);
    if (!Number.isInteger(status)) throw new MalformedBatchResponse(`entry ${i} has no response status`);
    if (status >= 200 && status < 300) return { kind: 'stored' };
    const reason = `${status} ${outcomeText(response?.outcome)}`.trim();
    return status === 408 || status === 429 || status >= 500 ? { kind: 'retry', reason } : { kind: 'rejected', reason };
  });
}

function outcomeText(outcome: unknown): string {
  const issues = (outcome as { issue?: { diagnostics?: unknown; details?: { text?: unknown } }[] } | undefined)?.issue ?? [];
  return issues.map((i) => String(i.diagnostics ?? i.details?.text ?? '')).filter(Boolean).join('; ');
}

/** How retries back off. */
export type RetryPolicy = Readonly<{ baseMs: number; maxMs: number; maxAttempts: number }>;

/**
 * When to try again after `attempts` failed tries: exponential back-off from `baseMs`, at most `maxMs`, but never
 * sooner than the server's `Retry-After`; undefined once `maxAttempts` is reached (the change is dead-lettered).
 */
export function nextAttemptAt(attempts: number, now: number, policy: RetryPolicy, retryAfterMs?: number): number | undefined {
  if (attempts >= policy.maxAttempts) return undefined;
  const backoff = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempts - 1));
  return now + Math.max(backoff, retryAfterMs ?? 0);
}

/** `Retry-After` (seconds or an HTTP date) in milliseconds from `now`; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null | undefined, now: number): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
