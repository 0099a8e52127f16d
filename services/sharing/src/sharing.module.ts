import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule, type Infrastructure } from '@varde/platform';
import { AccessLogHttpController } from './api/access-log.http.controller';
import { SharingGrpcController } from './api/sharing.grpc.controller';
import { PatientTriagedConsumer } from './application/patient-triaged.consumer';
import { RecordAccessHandler } from './application/record-access.handler';
import { AccessLogRepository, PostgresAccessLogRepository } from './infrastructure/access-log.repository';
import { PatientStatusProjection } from './infrastructure/patient-status.projection';

/** The sharing service: the access log and the patient status kept for sharing. */
@Module({})
export class SharingModule {
  static forRoot(infra: Infrastructure): DynamicModule {
    return {
      module: SharingModule,
      imports: [PlatformModule.forRoot(infra)],
      controllers: [AccessLogHttpController, SharingGrpcController],
      providers: [
        RecordAccessHandler,
        PostgresAccessLogRepository,
        { provide: AccessLogRepository, useExisting: PostgresAccessLogRepository },
        PatientStatusProjection,
        PatientTriagedConsumer,
      ],
    };
  }
}
