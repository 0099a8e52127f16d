import { ValidationError } from '@varde/core';
import { parseResource, r4Issues } from '@varde/fhir';
import { z } from 'zod';

/** A FHIR Bundle of Observations to create, as far as the envelope goes (each resource is checked on its own). */
const BundleBody = z
  .object({
    // Every other element R4 defines (identifier, timestamp, meta…) is let through: the R4 validator checks them.
    resourceType: z.literal('Bundle', { errorMap: () => ({ message: 'expected "Bundle"' }) }),
    id: z.string().optional(),
    meta: z.unknown().optional(),
    type: z.enum(['batch', 'transaction'], {
      errorMap: () => ({
        message:
          'expected "batch" (each entry on its own) or "transaction" (all or nothing); a "collection" (or any other type) is not processed: send it as "batch" with "request": {"method": "POST", "url": "Observation"} on every entry',
      }),
    }),
    entry: z.array(z.unknown(), { required_error: 'required: the entries to process' }),
  })
  .passthrough();

const EntryBody = z
  .object({
    fullUrl: z.string().optional(),
    resource: z.unknown().refine((r) => r !== undefined, 'required: the Observation to create'),
    request: z
      .object({
        method: z.literal('POST', { errorMap: () => ({ message: 'expected "POST": this endpoint only creates Observations' }) }),
        url: z.literal('Observation', { errorMap: () => ({ message: 'expected "Observation"' }) }),
        ifNoneExist: z.string().optional(),
      }, { required_error: 'required: {"method": "POST", "url": "Observation"}' })
      .passthrough(),
  })
  .strict();

/** The Bundle's envelope: its type and raw entries. */
export type BundleEnvelope = Readonly<{ type: 'batch' | 'transaction'; entry: readonly unknown[] }>;

/**
 * Validates the Bundle envelope: its structure by the R4 definitions, with the entries' resources left out (each
 * is checked on its own, so one bad entry of a batch fails alone), then what Varde processes. Issues name
 * `Bundle.type`, `Bundle.entry[2].request.method` and so on.
 */
export function validateBundleEnvelope(body: unknown): BundleEnvelope {
  if (typeof body === 'object' && body !== null && !Array.isArray(body) && (body as Record<string, unknown>)['resourceType'] === 'Bundle') {
    const envelope = body as Record<string, unknown>;
    // The type first: a collection's entries are shaped for a collection, and what to send instead is the news.
    if (envelope['type'] !== 'batch' && envelope['type'] !== 'transaction') parseResource(BundleBody.pick({ type: true }), { type: envelope['type'] }, 'Bundle');
    // Each resource stands in as an empty Parameters (a resource with no required element), so the entry keeps one.
    const standIn = (e: Record<string, unknown>) => ('resource' in e ? { ...e, resource: { resourceType: 'Parameters' } } : e);
    const entries = Array.isArray(envelope['entry']) ? envelope['entry'].map((e: unknown) => (typeof e === 'object' && e !== null && !Array.isArray(e) ? standIn(e as Record<string, unknown>) : e)) : envelope['entry'];
    const issues = r4Issues(JSON.parse(JSON.stringify({ ...envelope, entry: entries })) as Record<string, unknown>);
    if (issues.length > 0) throw new ValidationError(issues);
  }
  return parseResource(BundleBody, body, 'Bundle');
}

/** What an entry asks for: its resource, its `fullUrl`, and the condition of a conditional create. */
export type BundleEntryRequest = Readonly<{ resource: unknown; fullUrl?: string; ifNoneExist?: string }>;

/** Validates one entry's request; issues name `Bundle.entry[i].request.method` and so on. */
export function entryRequest(entry: unknown, index: number): BundleEntryRequest {
  const parsed = parseResource(EntryBody, entry, `Bundle.entry[${index}]`);
  return { resource: parsed.resource, ...(parsed.fullUrl ? { fullUrl: parsed.fullUrl } : {}), ...(parsed.request.ifNoneExist ? { ifNoneExist: parsed.request.ifNoneExist } : {}) };
}
