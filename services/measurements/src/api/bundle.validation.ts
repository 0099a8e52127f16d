import { parseResource } from '@varde/fhir';
import { z } from 'zod';

/** A FHIR Bundle of Observations to create, as far as the envelope goes (each resource is checked on its own). */
const BundleBody = z
  .object({
    resourceType: z.literal('Bundle', { errorMap: () => ({ message: 'expected "Bundle"' }) }),
    id: z.string().optional(),
    meta: z.unknown().optional(),
    type: z.enum(['batch', 'transaction'], { errorMap: () => ({ message: 'expected "batch" (each entry on its own) or "transaction" (all or nothing)' }) }),
    entry: z.array(z.unknown(), { required_error: 'required: the entries to process' }),
  })
  .strict();

const EntryBody = z
  .object({
    fullUrl: z.string().optional(),
    resource: z.unknown().refine((r) => r !== undefined, 'required: the Observation to create'),
    request: z
      .object({
        method: z.literal('POST', { errorMap: () => ({ message: 'expected "POST": this endpoint only creates Observations' }) }),
        url: z.literal('Observation', { errorMap: () => ({ message: 'expected "Observation"' }) }),
      }, { required_error: 'required: {"method": "POST", "url": "Observation"}' })
      .passthrough(),
  })
  .strict();

/** The Bundle's envelope: its type and raw entries. */
export type BundleEnvelope = Readonly<{ type: 'batch' | 'transaction'; entry: readonly unknown[] }>;

/** Validates the Bundle envelope; issues name `Bundle.type`, `Bundle.entry` and so on. */
export function validateBundleEnvelope(body: unknown): BundleEnvelope {
  return parseResource(BundleBody, body, 'Bundle');
}

/** Validates one entry's request and returns its resource; issues name `Bundle.entry[i].request.method` and so on. */
export function entryResource(entry: unknown, index: number): unknown {
  return parseResource(EntryBody, entry, `Bundle.entry[${index}]`).resource;
}
