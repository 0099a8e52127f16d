import { Metadata } from '@grpc/grpc-js';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { pathwaysV1Service } from '@varde/contracts';
import { NotFoundError } from '@varde/core';
import { callGrpc, createGrpcClient, PLATFORM_CONFIG, type GrpcClient, type PlatformConfig } from '@varde/platform';
import { EnrolmentDirectory } from '../application/enrolment-directory';

/** DI token of how long a positive enrolment answer is reused, in milliseconds. */
export const ENROLMENT_CACHE_MS = Symbol('ENROLMENT_CACHE_MS');

/**
 * {@link EnrolmentDirectory} over pathways' gRPC `GetActiveEnrolment`. Ingestion is the hot path, so a
 * positive answer is reused briefly; a negative one is not, so a just-enrolled patient is accepted at once.
 */
@Injectable()
export class PathwaysEnrolmentDirectory extends EnrolmentDirectory implements OnModuleDestroy {
  private readonly client: GrpcClient;
  private readonly pathways: pathwaysV1Service.PathwaysServiceClient;
  private readonly enrolledUntil = new Map<string, number>();

  constructor(
    @Inject(PLATFORM_CONFIG) config: PlatformConfig,
    @Inject(ENROLMENT_CACHE_MS) private readonly cacheMs: number,
  ) {
    super();
    this.client = createGrpcClient('pathways', config.peers.pathwaysGrpc);
    this.pathways = this.client.service<pathwaysV1Service.PathwaysServiceClient>('PathwaysService');
  }

  override async isEnrolled(patientId: string, authorization: string): Promise<boolean> {
    const now = Date.now();
    if ((this.enrolledUntil.get(patientId) ?? 0) > now) return true;
    // Pathways authenticates gRPC calls too: the caller's own token travels with the question.
    const metadata = new Metadata();
    metadata.set('authorization', authorization);
    try {
      await callGrpc(this.pathways.getActiveEnrolment({ patientId }, metadata), 'pathways.GetActiveEnrolment');
    } catch (error) {
      if (error instanceof NotFoundError) return false;
      throw error;
    }
    if (this.enrolledUntil.size > 100_000) this.enrolledUntil.clear();
    this.enrolledUntil.set(patientId, now + this.cacheMs);
    return true;
  }

  onModuleDestroy(): void {
    this.client.close();
  }
}
