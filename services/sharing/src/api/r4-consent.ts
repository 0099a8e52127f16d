import type { Consent } from '@medplum/fhirtypes';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ValidationError, type FieldIssue } from '@varde/core';
import { indexR4Definitions, r4Issues } from '@varde/fhir';

/** R4 structural validation of incoming Consents (@varde/fhir, as forms and measurements do). */
@Injectable()
export class R4Consent implements OnModuleInit {
  onModuleInit(): void {
    indexR4Definitions();
  }

  /** The body as a Consent; 400 naming each element R4 does not allow (status, scope, category, invariants …). */
  parse(body: unknown): Consent {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw ValidationError.field('body', 'expected a FHIR Consent (a JSON object)');
    const resourceType = (body as { resourceType?: unknown }).resourceType;
    if (resourceType !== 'Consent') throw ValidationError.field('Consent.resourceType', `expected "Consent"; got ${JSON.stringify(resourceType)}`);
    const issues = [...r4Issues(body as Record<string, unknown>), ...requiredBindingIssues(body as Record<string, unknown>)];
    if (issues.length > 0) throw new ValidationError(issues);
    return body as Consent;
  }
}

// Required bindings of the elements Varde acts on (R4 Consent): the structural validator does not check value sets.
const STATUS = ['draft', 'proposed', 'active', 'rejected', 'inactive', 'entered-in-error'];
const PROVISION_TYPE = ['deny', 'permit'];

function requiredBindingIssues(body: Record<string, unknown>): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const status = body['status'];
  if (status !== undefined && !STATUS.includes(status as string)) issues.push({ field: 'Consent.status', message: `expected one of ${STATUS.join(', ')} (required binding ConsentState); got ${JSON.stringify(status)}` });
  const type = (body['provision'] as { type?: unknown } | undefined)?.type;
  if (type !== undefined && !PROVISION_TYPE.includes(type as string)) issues.push({ field: 'Consent.provision.type', message: `expected deny or permit (required binding ConsentProvisionType); got ${JSON.stringify(type)}` });
  return issues;
}
