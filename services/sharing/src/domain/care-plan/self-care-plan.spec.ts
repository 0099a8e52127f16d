import { describe, expect, it } from 'vitest';
import { nextSelfCarePlan, type EnrolmentCourse, type LastShared, type PublishedPathway, type SharedSelfCarePlan } from './self-care-plan';
import { selfCarePlanBatch, SELF_CARE_PLAN_PDF_SYSTEM, SELF_CARE_PLAN_SYSTEM } from './self-care-plan.fhir';

const course: EnrolmentCourse = { enrolmentId: 'e-1', patientId: 'p-1', pathwayId: 'copd', pathwayVersion: 1, enrolledAt: '2026-12-01T08:00:00.000Z' };
const plan = { green: { nb: 'Fortsett', en: 'Carry on' }, yellow: { nb: 'Hvil', en: 'Rest' }, red: { nb: 'Ring', en: 'Call' } };
const copd: PublishedPathway = { pathwayId: 'copd', pathwayVersion: 1, title: 'KOLS', plan };
const permitted = { permitted: true } as const;
const refused = { permitted: false, reason: 'no consent in force covers this receiver and category' } as const;
const active: SharedSelfCarePlan = { enrolmentId: 'e-1', status: 'active', pathwayId: 'copd', pathwayVersion: 1, title: 'KOLS', periodStart: course.enrolledAt, plan };
const last = (content: SharedSelfCarePlan, live: boolean, delivered: boolean): LastShared => ({ content, live, delivered });

describe('nextSelfCarePlan', () => {
  describe('before the pathway version is known', () => {
    it('waits', () => expect(nextSelfCarePlan(course, undefined, permitted, undefined)).toEqual({ kind: 'none' }));
  });

  describe('nothing shared yet', () => {
    it('shares the plan in force when the consents permit it', () => expect(nextSelfCarePlan(course, copd, permitted, undefined)).toEqual({ kind: 'share', content: active }));
    it('shares nothing without a permit', () => expect(nextSelfCarePlan(course, copd, refused, undefined)).toEqual({ kind: 'none' }));
    it('shares nothing when the pathway version has no plan', () => expect(nextSelfCarePlan(course, { ...copd, plan: undefined }, permitted, undefined)).toEqual({ kind: 'none' }));
    it('holds back a queued version the consents no longer permit', () =>
      expect(nextSelfCarePlan(course, copd, refused, last(active, true, false))).toEqual({ kind: 'withhold', reason: refused.reason }));
  });

  describe('shared before', () => {
    it('changes nothing while the same plan is queued or delivered', () => expect(nextSelfCarePlan(course, copd, permitted, last(active, true, true))).toEqual({ kind: 'none' }));
    it('shares the new plan when the enrolment moved to another pathway', () => {
      const heart: PublishedPathway = { pathwayId: 'heart-failure', pathwayVersion: 2, title: 'Hjertesvikt', plan: { ...plan, red: { nb: 'Ring 113', en: 'Call 113' } } };
      expect(nextSelfCarePlan({ ...course, pathwayId: 'heart-failure', pathwayVersion: 2 }, heart, permitted, last(active, true, true))).toEqual({
        kind: 'share',
        content: { ...active, pathwayId: 'heart-failure', pathwayVersion: 2, title: 'Hjertesvikt', plan: heart.plan },
      });
    });
    it('completes the plan at discharge', () =>
      expect(nextSelfCarePlan({ ...course, dischargedAt: '2026-12-20T08:00:00.000Z' }, copd, permitted, last(active, true, true))).toEqual({ kind: 'share', content: { ...active, status: 'completed', periodEnd: '2026-12-20T08:00:00.000Z' } }));
    it('revokes it once, without the plan, when the consents no longer permit it', () => {
      const change = nextSelfCarePlan(course, copd, refused, last(active, true, true));
      expect(change).toEqual({ kind: 'share', content: { ...active, status: 'revoked', plan: undefined } });
      if (change.kind !== 'share') throw new Error('expected a share');
      expect(nextSelfCarePlan(course, copd, refused, last(change.content, true, true))).toEqual({ kind: 'none' });
    });
    it('revokes it when the new pathway version has no plan', () =>
      expect(nextSelfCarePlan(course, { ...copd, plan: undefined }, permitted, last(active, true, true))).toMatchObject({ kind: 'share', content: { status: 'revoked' } }));
    it('shares it again after a revocation once a consent permits it', () => expect(nextSelfCarePlan(course, copd, permitted, last({ ...active, status: 'revoked', plan: undefined }, true, true))).toEqual({ kind: 'share', content: active }));
    it('queues again a version given up or held back', () => expect(nextSelfCarePlan(course, copd, permitted, last(active, false, true))).toEqual({ kind: 'share', content: active }));
  });
});

describe('selfCarePlanBatch', () => {
  const subject = { system: 'urn:oid:2.16.578.1.12.4.1.4.1', value: '01010112345' };
  const pdf = { base64: 'JVBERi0=', size: 5, sha1: 'c2hhMQ==', createdAt: '2026-12-06T08:00:00.000Z' };

  it('writes the CarePlan and its PDF by conditional update on their identifiers', () => {
    const bundle = selfCarePlanBatch(active, '974589095', subject, pdf) as { type: string; entry: { request: { method: string; url: string }; resource?: Record<string, unknown> }[] };
    expect(bundle.type).toBe('batch');
    expect(bundle.entry.map((e) => e.request)).toEqual([
      { method: 'PUT', url: `CarePlan?identifier=${encodeURIComponent(`${SELF_CARE_PLAN_SYSTEM}|e-1`)}` },
      { method: 'PUT', url: `DocumentReference?identifier=${encodeURIComponent(`${SELF_CARE_PLAN_PDF_SYSTEM}|e-1`)}` },
    ]);
    expect(bundle.entry[0]!.resource).toMatchObject({ status: 'active', subject: { identifier: subject }, activity: [{ detail: { description: 'Fortsett', _description: { extension: [{ extension: [{ valueCode: 'en' }, { valueString: 'Carry on' }] }] } } }, {}, {}] });
    expect(bundle.entry[1]!.resource).toMatchObject({ content: [{ attachment: { contentType: 'application/pdf', data: pdf.base64, hash: pdf.sha1 } }] });
  });

  it('deletes the PDF and keeps no activities when the plan is revoked', () => {
    const bundle = selfCarePlanBatch({ ...active, status: 'revoked', plan: undefined }, '974589095', subject, undefined) as { entry: { request: { method: string }; resource?: Record<string, unknown> }[] };
    expect(bundle.entry[1]!.request.method).toBe('DELETE');
    expect(bundle.entry[0]!.resource).toMatchObject({ status: 'revoked' });
    expect(bundle.entry[0]!.resource!['activity']).toBeUndefined();
  });
});
