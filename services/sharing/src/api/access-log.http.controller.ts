import { Controller, Get, Headers, Inject, Param, Query } from '@nestjs/common';
import { Access, CurrentPrincipal, type Principal, Roles } from '@varde/auth';
import { ValidationError } from '@varde/core';
import type { MetadataHeaders } from '@varde/platform';
import { PatientDataAccess } from '../application/patient-data-access';
import { AccessLogRepository, type AccessLogPosition } from '../application/access-log.port';
import { isPatientId } from './record-access.request';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

/** Parses `?limit`: a whole number from 1 to {@link MAX_LIMIT}, {@link DEFAULT_LIMIT} when absent. */
export function parseLimit(value: string | undefined): number {
  if (value === undefined) return DEFAULT_LIMIT;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > MAX_LIMIT) {
    throw ValidationError.field('limit', `expected a whole number from 1 to ${MAX_LIMIT}; got "${value}"`);
  }
  return Number(value);
}

/** The opaque `?page=` token of the page after `position`. */
export const pageToken = (position: AccessLogPosition): string => Buffer.from(JSON.stringify([position.accessedAt, position.entryId])).toString('base64url');

/** Parses `?page=` (a `next` token this API handed out); ValidationError naming `page` otherwise. */
export function parsePageToken(value: string | undefined): AccessLogPosition | undefined {
  if (value === undefined) return undefined;
  try {
    const [accessedAt, entryId] = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as unknown[];
    if (typeof accessedAt === 'string' && !Number.isNaN(Date.parse(accessedAt)) && typeof entryId === 'string') return { accessedAt, entryId };
  } catch {
    // reported below
  }
  throw ValidationError.field('page', 'expected the "next" token of the previous page, unchanged');
}

/** The access log of a patient: who read their data, when and why. */
@Controller('api/patients/:patientId/access-log')
export class AccessLogHttpController {
  constructor(
    @Inject(AccessLogRepository) private readonly accessLog: AccessLogRepository,
    @Inject(PatientDataAccess) private readonly access: PatientDataAccess,
  ) {}

  /**
   * `{patientId, entries, next?}` newest first, `limit` at a time; `next` (present when there are older entries) is
   * the `?page=` of the following page. The patient's (and their guardian's) check on who looked, the auditors', and
   * the care team's, who answer the patient's questions about it and notice a read that should not have been;
   * clinicians of other teams may not. Every read except the patient's own is logged before the answer is sent,
   * so no one reads the log unseen — the patient sees that their care team looked at it.
   */
  @Get()
  @Roles('patient', 'guardian', 'clinician', 'auditor')
  @Access('access-log', 'read', { patient: { param: 'patientId' } })
  async list(
    @Param('patientId') patientId: string,
    @Query('limit') limit: string | undefined,
    @Query('page') page: string | undefined,
    @Query('emergency') emergency: string | undefined,
    @Headers() headers: MetadataHeaders,
    @CurrentPrincipal() principal: Principal,
  ) {
    if (!isPatientId(patientId)) throw ValidationError.field('patientId', 'expected an internal patient id (UUID)');
    // The policy decides per patient: a clinician only on the patient's care team (and not blocked).
    const { reason } = await this.access.authorise(principal, 'access-log', 'read', patientId);
    const max = parseLimit(Array.isArray(limit) ? limit[0] : limit);
    const after = parsePageToken(Array.isArray(page) ? page[0] : page);
    await this.access.logRead(principal, patientId, { purpose: 'access-log', resource: `/api/patients/${patientId}/access-log`, reason }, headers);
    const onlyEmergencies = emergency === 'true';
    if (emergency !== undefined && emergency !== 'true' && emergency !== 'false') throw ValidationError.field('emergency', `expected true or false; got "${emergency}"`);
    const found = await this.accessLog.list(patientId, max, after, onlyEmergencies);
    return { patientId, entries: found.entries, ...(found.next ? { next: pageToken(found.next) } : {}) };
  }
}
