import { pathwaysV1Service } from '@varde/contracts';
import { assertAccess, type AccessAction, type AccessDecision, type DataCategory, type Principal } from '@varde/auth';
import type { AccessPolicy } from './access-policy.port';
import { NotFoundError } from '@varde/core';
import { callGrpc, createGrpcClient, type GrpcClient } from './grpc-client';
import type { ServiceCredentials } from './service-credentials';

/** A patient's active enrolment as pathways answers it over gRPC. */
export type ActiveEnrolmentAnswer = NonNullable<pathwaysV1Service.GetActiveEnrolmentResponse['enrolment']>;

/** Port: is a patient on a pathway now, and with which care team? (Forms and measurements refuse data for patients who are not.) */
export abstract class EnrolmentDirectory {
  /** The policy decision point asked for the roles whose answer a patient's consents can change; absent: the table alone. */
  protected accessPolicy: AccessPolicy | undefined;

  /** The active enrolment, or undefined when the patient has none. */
  abstract active(patientId: string): Promise<ActiveEnrolmentAnswer | undefined>;

  /**
   * The internal id of the enrolled patient with this national identity number (`system`: the fødselsnummer or
   * D-number OID), or undefined when no patient with an active enrolment has it: how a FHIR logical reference
   * (`subject.identifier`) resolves.
   */
  abstract enrolledPatientOf(identifier: Readonly<{ system: string; value: string }>): Promise<string | undefined>;

  /** True when the patient has an active enrolment. */
  async isEnrolled(patientId: string): Promise<boolean> {
    return (await this.active(patientId)) !== undefined;
  }

  /**
   * Asks the policy whether `principal` may `action` this patient's `category` of data, with the care team of
   * the patient's active enrolment (a clinician: only patients of their own teams): for clinicians and guardians
   * the policy decision point in sharing (blocks, emergency access, guardians' age rules), for other roles the
   * table. Throws ForbiddenError with the reason otherwise. Resolves to the active enrolment (undefined when there
   * is none) and the permit, whose reason goes into the access log.
   */
  async authorise(principal: Principal, category: DataCategory, action: AccessAction, patientId: string): Promise<{ enrolment: ActiveEnrolmentAnswer | undefined; decision: AccessDecision }> {
    const enrolment = await this.active(patientId);
    const question = { category, action, patient: { id: patientId, careTeamId: enrolment?.careTeamId || undefined } };
    return { enrolment, decision: this.accessPolicy === undefined ? assertAccess(principal, question) : await this.accessPolicy.authoriseWithTeam(principal, question) };
  }
}

/**
 * The client every service uses to ask pathways "which pathway and rule set is this patient on?".
 * Positive answers are reused for `cacheMs` (ingestion is the hot path); "not enrolled" never is, so a
 * patient enrolled a moment ago is accepted at once.
 */
export class PathwaysEnrolments extends EnrolmentDirectory {
  private readonly client: GrpcClient;
  private readonly service: pathwaysV1Service.PathwaysServiceClient;
  private readonly cache = new Map<string, { value: ActiveEnrolmentAnswer; until: number }>();
  private readonly identifiers = new Map<string, { value: string; until: number }>();

  /**
   * `credentials`: this service's identity, sent with every call (pathways refuses calls without one);
   * `accessPolicy`: sharing's policy decision point, asked by {@link EnrolmentDirectory.authorise}.
   */
  constructor(
    url: string,
    private readonly cacheMs: number,
    private readonly credentials: ServiceCredentials,
    accessPolicy?: AccessPolicy,
  ) {
    super();
    this.accessPolicy = accessPolicy;
    this.client = createGrpcClient('pathways', url);
    this.service = this.client.service<pathwaysV1Service.PathwaysServiceClient>('PathwaysService');
  }

  /** The active enrolment, or undefined when the patient has none; other failures throw (503 upstream). */
  override async active(patientId: string): Promise<ActiveEnrolmentAnswer | undefined> {
    const now = Date.now();
    const cached = this.cache.get(patientId);
    if (cached && cached.until > now) return cached.value;
    const metadata = await this.credentials.metadata('pathways');
    let response: pathwaysV1Service.GetActiveEnrolmentResponse;
    try {
      response = await callGrpc(this.service.getActiveEnrolment({ patientId }, metadata), 'pathways.GetActiveEnrolment');
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
    if (!response.enrolment) return undefined;
    if (this.cache.size > 100_000) this.cache.clear();
    this.cache.set(patientId, { value: response.enrolment, until: now + this.cacheMs });
    return response.enrolment;
  }

  /** Found patients are reused for `cacheMs`, like enrolments; "not found" never is. */
  override async enrolledPatientOf(identifier: Readonly<{ system: string; value: string }>): Promise<string | undefined> {
    const key = `${identifier.system}|${identifier.value}`;
    const now = Date.now();
    const cached = this.identifiers.get(key);
    if (cached && cached.until > now) return cached.value;
    let response: pathwaysV1Service.FindEnrolledPatientResponse;
    try {
      response = await callGrpc(this.service.findEnrolledPatient({ system: identifier.system, value: identifier.value }, await this.credentials.metadata('pathways')), 'pathways.FindEnrolledPatient');
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
    if (this.identifiers.size > 100_000) this.identifiers.clear();
    this.identifiers.set(key, { value: response.patientId, until: now + this.cacheMs });
    return response.patientId;
  }

  close(): void {
    this.client.close();
  }

  /** Closed with the service that provides it. */
  onModuleDestroy(): void {
    this.close();
  }
}
