import { ValidationError } from '@varde/core';
import { parseResource, r4Issues } from '@varde/fhir';
import { z } from 'zod';
import { RecentlyWellFormed } from '../infrastructure/recently-well-formed';

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
    resource: z.unknown().refine((r) => r !== undefined, 'required: the Observation to create or update'),
    request: z
      .object({
        method: z.enum(['POST', 'PUT'], { errorMap: () => ({ message: 'expected "POST" (create an Observation) or "PUT" (update one: a correction)' }) }),
        url: z.string({ required_error: 'required: "Observation" to create, "Observation/<id>" or "Observation?identifier=<system>|<value>" to update' }),
        ifNoneExist: z.string().optional(),
        ifMatch: z.string().optional(),
      }, { required_error: 'required: {"method": "POST", "url": "Observation"} (or "PUT" with "Observation/<id>")' })
      .passthrough()
      .superRefine((request, context) => {
        const fail = (message: string) => context.addIssue({ code: z.ZodIssueCode.custom, path: ['url'], message });
        if (request.method === 'POST' && request.url !== 'Observation') fail('expected "Observation": a POST entry creates an Observation');
        if (request.method === 'PUT' && !/^Observation(\/[^/?]+|\?.+)$/.test(request.url)) fail('expected "Observation/<id>" or a condition "Observation?identifier=<system>|<value>": a PUT entry updates one Observation');
        if (request.method === 'PUT' && request.ifNoneExist !== undefined) context.addIssue({ code: z.ZodIssueCode.custom, path: ['ifNoneExist'], message: 'applies to a POST (conditional create); a PUT with a condition in its url is a conditional update' });
      }),
  })
  // Every other element R4 allows on an entry (id, extension, link) is let through; what R4 forbids in a batch or
  // transaction (search, response, a modifier extension Varde does not know) the envelope's R4 check has refused.
  .passthrough();

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
    const issues = envelopeIssues(JSON.parse(JSON.stringify({ ...envelope, entry: entries })) as Record<string, unknown>);
    if (issues.length > 0) throw new ValidationError(issues);
  }
  return parseResource(BundleBody, body, 'Bundle');
}

/** How many well-formed envelope templates are remembered; the oldest go first. */
const ENVELOPE_CACHE_SIZE = 1_000;
const wellFormedEnvelopes = new RecentlyWellFormed(ENVELOPE_CACHE_SIZE);
const URN_UUID = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The R4 issues of a Bundle envelope (its resources stood in). Validating 500 entries by the R4 definitions costs
 * ~30 ms, although a sender's entries differ only in their `urn:uuid` fullUrls: so the envelope is validated as its
 * template — one entry of each shape, each with a fullUrl of its own — and a template found well-formed is
 * remembered. Exact, because for a batch or transaction every R4 rule on entries holds of each entry alone (bdl-3,
 * bdl-5, bdl-8, cardinalities, types) except bdl-7, fullUrls unique: a Bundle where two entries share a fullUrl,
 * and every Bundle with a problem, is validated whole, so the issues name the sender's own entries.
 */
function envelopeIssues(envelope: Record<string, unknown>): ReturnType<typeof r4Issues> {
  const template = envelopeTemplate(envelope);
  if (template === undefined) return r4Issues(envelope);
  const key = JSON.stringify(template);
  if (wellFormedEnvelopes.has(key)) return [];
  if (r4Issues(template).length > 0) return r4Issues(envelope);
  wellFormedEnvelopes.add(key);
  return [];
}

/** The envelope with one entry of each shape (urn:uuid fullUrls set aside), or undefined when two entries share a fullUrl. */
function envelopeTemplate(envelope: Record<string, unknown>): Record<string, unknown> | undefined {
  const entries = envelope['entry'];
  if (!Array.isArray(entries) || (envelope['type'] !== 'batch' && envelope['type'] !== 'transaction')) return undefined;
  const fullUrls = new Set<unknown>();
  const shapes = new Map<string, unknown>();
  for (const entry of entries) {
    const fullUrl = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>)['fullUrl'] : undefined;
    if (fullUrl !== undefined) {
      if (fullUrls.has(fullUrl)) return undefined;
      fullUrls.add(fullUrl);
    }
    const shape = typeof fullUrl === 'string' && URN_UUID.test(fullUrl) ? { ...(entry as Record<string, unknown>), fullUrl: URN_UUID } : entry;
    const key = JSON.stringify(shape, (_k, v: unknown) => (v === URN_UUID ? 'urn:uuid' : v));
    if (!shapes.has(key)) shapes.set(key, shape);
  }
  // Each kept urn:uuid entry gets a fullUrl of its own, so the template keeps bdl-7 as the Bundle does.
  const kept = [...shapes.values()].map((shape, i) =>
    typeof shape === 'object' && shape !== null && (shape as Record<string, unknown>)['fullUrl'] === URN_UUID ? { ...(shape as Record<string, unknown>), fullUrl: `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}` } : shape,
  );
  return { ...envelope, entry: kept };
}

/** What an entry asks for: create (`POST`, conditionally with `ifNoneExist`) or update (`PUT`) one Observation. */
export type BundleEntryRequest = Readonly<
  { resource: unknown; fullUrl?: string } & (
    | { method: 'POST'; ifNoneExist?: string }
    | { method: 'PUT'; id: string; ifMatch?: string }
    | { method: 'PUT'; condition: string; ifMatch?: string }
  )
>;

/** Validates one entry's request; issues name `Bundle.entry[i].request.method` and so on. */
export function entryRequest(entry: unknown, index: number): BundleEntryRequest {
  const parsed = parseResource(EntryBody, entry, `Bundle.entry[${index}]`);
  const common = { resource: parsed.resource, ...(parsed.fullUrl ? { fullUrl: parsed.fullUrl } : {}) };
  const { method, url, ifNoneExist, ifMatch } = parsed.request;
  if (method === 'POST') return { ...common, method, ...(ifNoneExist ? { ifNoneExist } : {}) };
  const update = { ...common, method, ...(ifMatch ? { ifMatch } : {}) };
  return url.startsWith('Observation?') ? { ...update, condition: url.slice('Observation?'.length) } : { ...update, id: decodeURIComponent(url.slice('Observation/'.length)) };
}
