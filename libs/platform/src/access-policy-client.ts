import { hostname } from 'node:os';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { accessRefusal, assertScope, decideAccess, ROLES_ASKING_THE_POLICY, type AccessDecision, type AccessQuestion, type Principal, type Relation } from '@varde/auth';
import { integrationEventTypes, sharingV1Service } from '@varde/contracts';
import { UnavailableError } from '@varde/core';
import type { MessageBus, Subscription } from '@varde/messaging';
import type { Logger } from '@varde/telemetry';
import { callGrpc, createGrpcClient, type GrpcClient } from './grpc-client';
import type { Infrastructure } from './infrastructure';
import type { ServiceCredentials } from './service-credentials';

/** A question about one patient's data, with the patient's care team when the asking service knows it. */
export type PatientAccessQuestion = AccessQuestion & Readonly<{ patient: NonNullable<AccessQuestion['patient']>; /** The caller looked the enrolment up (no care team then means none). */ careTeamKnown?: boolean }>;

/**
 * Port: the one policy decision point (sharing's `CheckAccess`): the policy table with the patient's consents,
 * blocks, emergency accesses and guardians' age rules.
 */
export abstract class AccessPolicy {
  /** The decision for `principal` (scope not checked here). */
  abstract decide(principal: Principal, question: PatientAccessQuestion): Promise<AccessDecision>;

  /** Throws (insufficient scope, or 403 with the policy's reason) unless permitted; resolves to the permit. */
  async authorise(principal: Principal, question: PatientAccessQuestion): Promise<AccessDecision> {
    assertScope(principal, question);
    return permitOrRefusal(principal, question, await this.decide(principal, question));
  }

  /**
   * The decision for a service that knows the patient's care team itself (`patient.careTeamId`; none: the patient is
   * on no team): clinicians and guardians (`ROLES_ASKING_THE_POLICY`) are decided here (blocks, emergency access,
   * guardians' age rules), every other role by the policy table alone. Scope not checked.
   */
  async decideWithTeam(principal: Principal, question: PatientAccessQuestion): Promise<AccessDecision> {
    return ROLES_ASKING_THE_POLICY.includes(principal.role) ? this.decide(principal, { ...question, careTeamKnown: true }) : decideAccess(principal, question);
  }

  /**
   * The permit to show this patient in a list, a search or an aggregate, or undefined: the table must permit it (a
   * clinician: on the care team) and {@link decideWithTeam} too (no block). An emergency access opens the patient's
   * own views, not their rows elsewhere; and a patient on another team costs no call (so timing tells nothing).
   */
  async permitForListing(principal: Principal, question: PatientAccessQuestion): Promise<AccessDecision | undefined> {
    if (decideAccess(principal, question).decision !== 'permit') return undefined;
    const decision = await this.decideWithTeam(principal, question);
    return decision.decision === 'permit' ? decision : undefined;
  }

  /** {@link decideWithTeam}, throwing like {@link authorise} unless permitted; resolves to the permit. */
  async authoriseWithTeam(principal: Principal, question: PatientAccessQuestion): Promise<AccessDecision> {
    assertScope(principal, question);
    return permitOrRefusal(principal, question, await this.decideWithTeam(principal, question));
  }
}

function permitOrRefusal(principal: Principal, question: PatientAccessQuestion, decision: AccessDecision): AccessDecision {
  if (decision.decision === 'permit') return decision;
  throw accessRefusal(principal, question, decision);
}

/** Settings of {@link SharingAccessPolicy}. */
export type SharingAccessPolicyOptions = Readonly<{
  /** Sharing's gRPC address. */
  url: string;
  credentials: ServiceCredentials;
  /** How long a permit is reused at most (ms); ConsentChanged for the patient drops it at once. */
  cacheMs: number;
  /** The bus ConsentChanged arrives on; each replica subscribes in a group of its own. */
  bus?: MessageBus;
  /** The group's prefix (e.g. `measurements`); replicas add their host and pid on Kafka. */
  service: string;
  /** Kafka: one group per replica so every replica sees every change; the embedded bus has one replica. */
  perReplicaGroup: boolean;
  logger?: Logger;
}>;

const CONSENT_CHANGED = 'varde.sharing.v1.ConsentChanged';

/**
 * {@link AccessPolicy} over sharing's gRPC `CheckAccess`, with a cache of permits per patient: a permit is reused for
 * at most `cacheMs` and dropped as soon as a `ConsentChanged` for the patient arrives (a new block holds within the
 * relay's and the bus's delay, ~1 s, and never later than `cacheMs`). Denials and permits with obligations
 * (emergency access) are never reused, so an emergency access or a lifted block holds at once. Sharing unreachable:
 * 503 (fail closed).
 */
export class SharingAccessPolicy extends AccessPolicy implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly client: GrpcClient;
  private readonly service: sharingV1Service.SharingServiceClient;
  private readonly cache = new Map<string, Map<string, { decision: AccessDecision; until: number }>>();
  private subscription: Subscription | undefined;

  constructor(private readonly options: SharingAccessPolicyOptions) {
    super();
    this.client = createGrpcClient('sharing', options.url);
    this.service = this.client.service<sharingV1Service.SharingServiceClient>('SharingService');
  }

  override async decide(principal: Principal, question: PatientAccessQuestion): Promise<AccessDecision> {
    const patientId = question.patient.id;
    const key = [principal.role, principal.subject, principal.organisation, principal.hprNumber, principal.careTeams.join(','), principal.patientId, (principal.patientIds ?? []).join(','), question.patient.careTeamId, question.careTeamKnown, question.category, question.action].join('|');
    const now = Date.now();
    const cached = this.cache.get(patientId)?.get(key);
    if (cached && cached.until > now) return cached.decision;
    const decision = await this.ask(principal, question);
    if (decision.decision === 'permit' && decision.obligations.length === 0 && this.options.cacheMs > 0) {
      if (this.cache.size > 50_000) this.cache.clear();
      const entries = this.cache.get(patientId) ?? new Map();
      entries.set(key, { decision, until: now + this.options.cacheMs });
      this.cache.set(patientId, entries);
    }
    return decision;
  }

  /** Drops what is cached for a patient (a ConsentChanged arrived). */
  forget(patientId: string): void {
    this.cache.delete(patientId);
  }

  private async ask(principal: Principal, question: PatientAccessQuestion): Promise<AccessDecision> {
    const metadata = await this.options.credentials.metadata('sharing');
    const answer = await callGrpc(
      this.service.checkAccess(
        {
          actor: {
            subject: principal.subject,
            role: principal.role,
            organisation: principal.organisation ?? '',
            hprNumber: principal.hprNumber ?? '',
            careTeams: [...principal.careTeams],
            patientIds: [...(principal.patientIds ?? [])],
            patientId: principal.patientId ?? '',
          },
          action: question.action,
          patientId: question.patient.id,
          category: question.category,
          careTeamId: question.patient.careTeamId ?? '',
          careTeamKnown: question.careTeamKnown === true,
        },
        metadata,
      ),
      'sharing.CheckAccess',
    ).catch((error: unknown) => {
      // Without an answer the data is not shown: 503, never a permit.
      if (error instanceof UnavailableError) throw error;
      throw new UnavailableError(`The access policy could not be asked: ${error instanceof Error ? error.message : String(error)}`);
    });
    return { decision: answer.permit ? 'permit' : 'deny', reason: answer.reason, basis: answer.basis, obligations: answer.obligations, relation: answer.relation as Relation };
  }

  async onApplicationBootstrap(): Promise<void> {
    const { bus } = this.options;
    if (bus === undefined) return;
    const groupId = `${this.options.service}.access-policy-cache${this.options.perReplicaGroup ? `.${hostname()}.${process.pid}` : ''}`;
    try {
      this.subscription = await bus.subscribe({
        groupId,
        topics: ['varde.sharing.v1'],
        fromBeginning: false,
        handler: async (message) => {
          if (message.type !== CONSENT_CHANGED) return;
          this.forget(integrationEventTypes[CONSENT_CHANGED].decode(message.payload).patientId || message.key);
        },
      });
    } catch (error) {
      // The cache then holds permits for at most cacheMs: still correct, only slower to follow a change.
      this.options.logger?.warn({ err: error, groupId }, 'access-policy cache could not subscribe to ConsentChanged; permits expire by time only');
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.subscription?.stop();
    this.client.close();
  }
}

/** Sharing's policy decision point for a service, with its cache following ConsentChanged on the service's bus. */
export function sharingAccessPolicy(infra: Infrastructure): SharingAccessPolicy {
  return new SharingAccessPolicy({
    url: infra.config.peers.sharingGrpc,
    credentials: infra.credentials,
    cacheMs: infra.config.accessPolicyCacheMs,
    bus: infra.bus,
    service: infra.config.service,
    perReplicaGroup: infra.config.messaging.mode === 'kafka',
    logger: infra.logger,
  });
}
