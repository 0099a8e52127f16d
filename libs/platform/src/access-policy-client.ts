import { hostname } from 'node:os';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { AccessDecision, Principal, Relation } from '@varde/auth';
import { integrationEventTypes, sharingV1Service } from '@varde/contracts';
import { UnavailableError } from '@varde/core';
import type { MessageBus, Subscription } from '@varde/messaging';
import type { Logger } from '@varde/telemetry';
import { AccessPolicy, type BatchAccessQuestion, type ListedPatient, type PatientAccessQuestion } from './access-policy.port';
import { callGrpc, createGrpcClient, type GrpcClient } from './grpc-client';
import type { Infrastructure } from './infrastructure';
import type { ServiceCredentials } from './service-credentials';

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

/** Most patients sharing decides in one CheckAccessBatch call (its MAX_PATIENTS_PER_BATCH); longer lists are split. */
const BATCH_SIZE = 1000;

// Everything the decision depends on: the same question from the same actor gets the cached answer.
const cacheKey = (principal: Principal, question: PatientAccessQuestion): string =>
  [principal.role, principal.subject, principal.organisation, principal.hprNumber, principal.careTeams.join(','), principal.patientId, (principal.patientIds ?? []).join(','), question.patient.careTeamId, question.careTeamKnown, question.category, question.action].join('|');

const subjectOf = (principal: Principal): sharingV1Service.AccessSubject => ({
  subject: principal.subject,
  role: principal.role,
  organisation: principal.organisation ?? '',
  hprNumber: principal.hprNumber ?? '',
  careTeams: [...principal.careTeams],
  patientIds: [...(principal.patientIds ?? [])],
  patientId: principal.patientId ?? '',
});

const decisionOf = (answer: sharingV1Service.CheckAccessResponse): AccessDecision => ({
  decision: answer.permit ? 'permit' : 'deny',
  reason: answer.reason,
  basis: answer.basis,
  obligations: answer.obligations,
  relation: answer.relation as Relation,
});

// Without an answer the data is not shown: 503, never a permit.
const failClosed = <T>(call: Promise<T>): Promise<T> =>
  call.catch((error: unknown) => {
    if (error instanceof UnavailableError) throw error;
    throw new UnavailableError(`The access policy could not be asked: ${error instanceof Error ? error.message : String(error)}`);
  });

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
    const now = Date.now();
    const cached = this.cached(principal, question, now);
    if (cached) return cached;
    const decision = await this.ask(principal, question);
    this.remember(principal, question, decision, now);
    return decision;
  }

  /** One `CheckAccessBatch` per 1 000 patients not in the cache (care teams as given: known); the same cache as {@link decide}. */
  override async decideMany(principal: Principal, question: BatchAccessQuestion): Promise<ReadonlyMap<string, AccessDecision>> {
    const now = Date.now();
    const decisions = new Map<string, AccessDecision>();
    const asked = new Map<string, PatientAccessQuestion>();
    for (const patient of question.patients) {
      const single: PatientAccessQuestion = { category: question.category, action: question.action, patient, careTeamKnown: true };
      const cached = this.cached(principal, single, now);
      if (cached) decisions.set(patient.id, cached);
      else asked.set(patient.id, single);
    }
    const misses = [...asked.values()].map((q) => q.patient);
    for (let start = 0; start < misses.length || (start === 0 && question.includeOpenEmergencyAccesses === true); start += BATCH_SIZE) {
      const chunk = misses.slice(start, start + BATCH_SIZE);
      for (const [patientId, decision] of await this.askMany(principal, question, chunk, start === 0 && question.includeOpenEmergencyAccesses === true)) {
        decisions.set(patientId, decision);
        const single = asked.get(patientId);
        if (single) this.remember(principal, single, decision, now);
      }
    }
    return decisions;
  }

  private cached(principal: Principal, question: PatientAccessQuestion, now: number): AccessDecision | undefined {
    const hit = this.cache.get(question.patient.id)?.get(cacheKey(principal, question));
    return hit && hit.until > now ? hit.decision : undefined;
  }

  // Permits without obligations only: a denial or an emergency access is asked again every time.
  private remember(principal: Principal, question: PatientAccessQuestion, decision: AccessDecision, now: number): void {
    if (decision.decision !== 'permit' || decision.obligations.length > 0 || this.options.cacheMs <= 0) return;
    if (this.cache.size > 50_000) this.cache.clear();
    const entries = this.cache.get(question.patient.id) ?? new Map();
    entries.set(cacheKey(principal, question), { decision, until: now + this.options.cacheMs });
    this.cache.set(question.patient.id, entries);
  }

  /** Drops what is cached for a patient (a ConsentChanged arrived). */
  forget(patientId: string): void {
    this.cache.delete(patientId);
  }

  private async ask(principal: Principal, question: PatientAccessQuestion): Promise<AccessDecision> {
    const metadata = await this.options.credentials.metadata('sharing');
    const request = {
      actor: subjectOf(principal),
      action: question.action,
      patientId: question.patient.id,
      category: question.category,
      careTeamId: question.patient.careTeamId ?? '',
      careTeamKnown: question.careTeamKnown === true,
    };
    return decisionOf(await failClosed(callGrpc(this.service.checkAccess(request, metadata), 'sharing.CheckAccess')));
  }

  private async askMany(principal: Principal, question: BatchAccessQuestion, patients: readonly ListedPatient[], includeOpenEmergencyAccesses: boolean): Promise<readonly (readonly [string, AccessDecision])[]> {
    const metadata = await this.options.credentials.metadata('sharing');
    const request = {
      actor: subjectOf(principal),
      action: question.action,
      category: question.category,
      patients: patients.map((p) => ({ patientId: p.id, careTeamId: p.careTeamId ?? '' })),
      includeOpenEmergencyAccesses,
    };
    const answer = await failClosed(callGrpc(this.service.checkAccessBatch(request, metadata), 'sharing.CheckAccessBatch'));
    return answer.decisions.flatMap((d) => (d.decision ? [[d.patientId, decisionOf(d.decision)] as const] : []));
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
