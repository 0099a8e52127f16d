import { describe, expect, it } from 'vitest';
import type { ConsentTerms } from '../consent.events';
import { feedReceivers } from './feed-receivers';

const NOW = '2026-12-06T12:00:00.000Z';
const ORGNR = 'urn:oid:2.16.578.1.12.4.1.4.101';
const trust = (value: string) => ({ kind: 'health-trust' as const, system: ORGNR, value });
const consent = (overrides: Partial<ConsentTerms> = {}): ConsentTerms => ({
  patientId: 'p-1', status: 'active', provision: 'permit', parties: [trust('910000039')], categories: [], includeNationalId: false, ...overrides,
});

describe('feedReceivers: which trusts get a patient’s events of a category', () => {
  it('names each trust a permit in force names, with the national id only where every permit for it allows it', () => {
    const consents = [consent(), consent({ parties: [trust('910000063')], includeNationalId: true }), consent({ parties: [trust('910000063')], includeNationalId: false, categories: ['triage'] })];
    expect(feedReceivers(consents, 'measurements', NOW)).toEqual([{ trust: '910000039', includeNationalId: false }, { trust: '910000063', includeNationalId: true }]);
    expect(feedReceivers(consents, 'triage', NOW)).toEqual([{ trust: '910000039', includeNationalId: false }, { trust: '910000063', includeNationalId: false }]);
  });

  it('names nobody for a withdrawn, expired or not yet started consent, nor for a municipality or GP', () => {
    expect(feedReceivers([consent({ status: 'inactive' })], 'measurements', NOW)).toEqual([]);
    expect(feedReceivers([consent({ periodEnd: '2026-12-01T00:00:00.000Z' })], 'measurements', NOW)).toEqual([]);
    expect(feedReceivers([consent({ periodStart: '2027-01-01T00:00:00.000Z' })], 'measurements', NOW)).toEqual([]);
    expect(feedReceivers([consent({ parties: [{ kind: 'municipality', system: ORGNR, value: '910000012' }] })], 'measurements', NOW)).toEqual([]);
  });

  it('leaves out a category the permit does not cover, and a trust the patient blocks (sperre wins)', () => {
    expect(feedReceivers([consent({ categories: ['forms'] })], 'measurements', NOW)).toEqual([]);
    expect(feedReceivers([consent(), consent({ provision: 'deny' })], 'measurements', NOW)).toEqual([]);
  });
});
