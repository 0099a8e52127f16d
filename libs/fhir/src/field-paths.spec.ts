import { describe, expect, it } from 'vitest';
import { ConcurrencyError, IllegalStateError, NotFoundError, ValidationError } from '@varde/core';
import { fhirPaths, inFhirTerms } from './field-paths';

const paths = fhirPaths({ expectedVersion: 'If-Match' }, { consent: 'Consent' });

describe('fhirPaths: what the domain is about, as a FHIR client names it', () => {
  it('names a thing the table knows by its resource reference, keeping kind, field and reason', () => {
    const stale = inFhirTerms(IllegalStateError.about({ thing: 'consent', id: 'k-1' }, 'is at version 2, not 1; read it again', 'expectedVersion'), paths) as IllegalStateError;
    expect([stale.kind, stale.message]).toEqual(['illegal-state', 'If-Match: Consent/k-1 is at version 2, not 1; read it again']);
    expect((inFhirTerms(NotFoundError.about({ thing: 'consent', id: 'k-2' }, 'does not exist'), paths) as Error).message).toBe('Consent/k-2 does not exist');
    expect((inFhirTerms(ConcurrencyError.about({ thing: 'consent', id: 'k-3' }, 'is at version 4, not at 3'), paths) as ConcurrencyError).kind).toBe('concurrency');
  });

  it('leaves a thing it does not know in the domain\'s words, as the domain says it without an edge', () => {
    const error = IllegalStateError.about({ thing: 'alert', id: 'a-1' }, 'is already resolved');
    expect(error.message).toBe('alert a-1 is already resolved');
    expect((inFhirTerms(error, paths) as Error).message).toBe('alert a-1 is already resolved');
  });

  it('throws a refusal as a FHIR client reads it from a promise (rethrow), and leaves what is no refusal as it is', async () => {
    await expect(Promise.reject(ValidationError.field('expectedVersion', 'expected W/"<version>"')).catch(paths.rethrow)).rejects.toThrow('If-Match: expected W/"<version>"');
    const bug = new TypeError('x is undefined');
    await expect(Promise.reject(bug).catch(paths.rethrow)).rejects.toBe(bug);
    expect(paths.refusal(bug)).toBe(bug);
    expect((paths.refusal(NotFoundError.about({ thing: 'consent', id: 'k-4' }, 'does not exist')) as Error).message).toBe('Consent/k-4 does not exist');
  });
});
