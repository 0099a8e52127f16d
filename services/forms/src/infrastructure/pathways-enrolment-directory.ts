import { Metadata } from '@grpc/grpc-js';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { pathwaysV1Service } from '@varde/contracts';
import { NotFoundError } from '@varde/core';
import { callGrpc, createGrpcClient, PLATFORM_CONFIG, type GrpcClient, type PlatformConfig } from '@varde/platform';
import { EnrolmentDirectory } from '../application/enrolment-directory';

/** {@link EnrolmentDirectory} over pathways' gRPC `GetActiveEnrolment`. */
@Injectable()
export class PathwaysEnrolmentDirectory extends EnrolmentDirectory implements OnModuleDestroy {
  private readonly client: GrpcClient;
  private readonly pathways: pathwaysV1Service.PathwaysServiceClient;

  constructor(@Inject(PLATFORM_CONFIG) config: PlatformConfig) {
    super();
    this.client = createGrpcClient('pathways', config.peers.pathwaysGrpc);
    this.pathways = this.client.service<pathwaysV1Service.PathwaysServiceClient>('PathwaysService');
  }

  override async isEnrolled(patientId: string, authorization: string): Promise<boolean> {
    // Pathways authenticates gRPC calls too: the caller's own token travels with the question.
    const metadata = new Metadata();
    metadata.set('authorization', authorization);
    try {
      await callGrpc(this.pathways.getActiveEnrolment({ patientId }, metadata), 'pathways.GetActiveEnrolment');
      return true;
    } catch (error) {
      if (error instanceof NotFoundError) return false;
      throw error;
    }
  }

  onModuleDestroy(): void {
    this.client.close();
  }
}
