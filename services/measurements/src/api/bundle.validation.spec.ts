import { randomUUID } from 'node:crypto';
import { ValidationError } from '@varde/core';
import { indexR4Definitions } from '@varde/fhir';
import { beforeAll, describe, expect, it } from 'vitest';
import { entryRequest, validateBundleEnvelope } from './bundle.validation';

const entry = (extra: Record<string, unknown> = {}) => ({ fullUrl: `urn:uuid:${randomUUID()}`, resource: { resourceType: 'Observation' }, request: { method: 'POST', url: 'Observation' }, ...extra });
const bundle = (entries: unknown[], type = 'batch') => ({ resourceType: 'Bundle', type, entry: entries });
const issuesOf = (body: unknown): string[] => {
  try {
    validateBundleEnvelope(body);
    return [];
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return error.issues.map((i) => `${i.field}: ${i.message}`);
  }
};

// The envelope is validated as its template (one entry of each shape) and well-formed templates are remembered:
// these check that the shortcut never accepts what validating the whole Bundle refuses, nor the other way round.
describe('Bundle envelope validation by the R4 definitions', () => {
  beforeAll(() => void indexR4Definitions());

  it('accepts large batches and transactions whose entries differ in their urn:uuid fullUrls, again and again', () => {
    for (const type of ['batch', 'transaction']) {
      for (let round = 0; round < 3; round++) expect(issuesOf(bundle(Array.from({ length: 500 }, () => entry()), type))).toEqual([]);
    }
  });

  it('refuses two entries with one fullUrl (bdl-7), also after the same shape was accepted with distinct ones', () => {
    expect(issuesOf(bundle([entry(), entry()]))).toEqual([]);
    const shared = `urn:uuid:${randomUUID()}`;
    expect(issuesOf(bundle([entry(), entry({ fullUrl: shared }), entry({ fullUrl: shared })])).join('\n')).toMatch(/bdl-7|fullUrl/i);
  });

  it('names the sender’s own entry when one of many breaks a rule, after well-formed Bundles of the same shape', () => {
    expect(issuesOf(bundle(Array.from({ length: 20 }, () => entry())))).toEqual([]);
    const entries = Array.from({ length: 20 }, () => entry());
    entries[13] = entry({ fullUrl: 'Observation/_history/1 not a uri' });
    expect(issuesOf(bundle(entries)).join('\n')).toContain('Bundle.entry[13]');
  });

  it('keeps entries of other shapes apart: an entry without a fullUrl and a version-specific fullUrl (bdl-8) are each checked', () => {
    expect(issuesOf(bundle([entry(), { resource: { resourceType: 'Observation' }, request: { method: 'POST', url: 'Observation' } }]))).toEqual([]);
    expect(issuesOf(bundle([entry(), entry({ fullUrl: 'http://example.org/fhir/Observation/1/_history/2' })])).join('\n')).toMatch(/Bundle\.entry\[1\]/);
  });

  it('accepts every element R4 allows on an entry (id, extension, link) and refuses what it forbids in a batch (search, response, an unknown modifier extension)', () => {
    const allowed = entry({ id: 'e1', extension: [{ url: 'https://example.org/fhir/StructureDefinition/source-app', valueString: 'HomeApp 3.1' }], link: [{ relation: 'alternate', url: 'https://example.org/fhir/Observation/9' }] });
    expect(issuesOf(bundle([allowed]))).toEqual([]);
    expect(entryRequest(allowed, 0)).toMatchObject({ method: 'POST', resource: { resourceType: 'Observation' } });
    const refused = (extra: Record<string, unknown>) => issuesOf(bundle([entry(extra)]));
    expect(refused({ search: { mode: 'match' } }).join(' ')).toMatch(/bdl-2 not met: entry\.search only when a search/);
    expect(refused({ response: { status: '201' } }).join(' ')).toMatch(/bdl-4 not met: entry\.response/);
    expect(refused({ modifierExtension: [{ url: 'https://example.org/fhir/StructureDefinition/do-not-use', valueBoolean: true }] })).toEqual([
      expect.stringContaining('Bundle.entry[0].modifierExtension[0]: modifier extension https://example.org/fhir/StructureDefinition/do-not-use is not understood'),
    ]);
  });
});
