import type { OnModuleDestroy } from '@nestjs/common';
import { pathwaysV1Service } from '@varde/contracts';
import { NotFoundError } from '@varde/core';
import { callGrpc, createGrpcClient, type GrpcClient, type ServiceCredentials } from '@varde/platform';
import { PatientIdentities } from '../../application/pmd/pmd.ports';
import type { PatientIdentifier } from '../../domain/pmd/pmd-batch';

const MAX_CACHED = 10_000;

/**
 * {@link PatientIdentities} from pathways over gRPC (GetPatientIdentity, purpose `sharing-pmd`; pathways writes every
 * answer to the patient's access log). Answers are kept for `cacheMs` so a patient's readings sent minute by minute
 * do not ask each time.
 */
export class PathwaysPatientIdentities extends PatientIdentities implements OnModuleDestroy {
  private readonly client: GrpcClient;
  private readonly service: pathwaysV1Service.PathwaysServiceClient;
  private readonly cache = new Map<string, { value: PatientIdentifier; until: number }>();

  constructor(
    url: string,
    private readonly credentials: ServiceCredentials,
    private readonly cacheMs: number,
  ) {
    super();
    this.client = createGrpcClient('pathways', url);
    this.service = this.client.service<pathwaysV1Service.PathwaysServiceClient>('PathwaysService');
  }

  override async nationalIdOf(patientId: string): Promise<PatientIdentifier | undefined> {
    const cached = this.cache.get(patientId);
    if (cached && cached.until > Date.now()) return cached.value;
    try {
      const answer = await callGrpc(this.service.getPatientIdentity({ patientId, purpose: 'sharing-pmd' }, await this.credentials.metadata('pathways')), 'GetPatientIdentity');
      const value = { system: answer.system, value: answer.value };
      if (this.cache.size >= MAX_CACHED) this.cache.clear();
      this.cache.set(patientId, { value, until: Date.now() + this.cacheMs });
      return value;
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  }

  onModuleDestroy(): void {
    this.client.close();
  }
}
