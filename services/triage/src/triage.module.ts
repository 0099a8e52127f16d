import { Module, type DynamicModule } from '@nestjs/common';
import { PathwaysEnrolments, PlatformModule, type Infrastructure } from '@varde/platform';
import { PatientTriageHttpController } from './api/patient-triage.http.controller';
import { WorklistHttpController } from './api/worklist.http.controller';
import { AccessLog } from './application/access-log.port';
import { ActiveEnrolments } from './application/active-enrolments.port';
import { PatientDataReader } from './application/patient-data.reader';
import { TriageInputsConsumer } from './application/triage-inputs.consumer';
import { TriageHandler } from './application/triage.handler';
import { PathwaysActiveEnrolments } from './infrastructure/pathways-active-enrolments.grpc-client';
import { SharingAccessLog } from './infrastructure/sharing-access-log.grpc-client';
import { WorklistProjection } from './infrastructure/worklist.projection';
import { WorklistQuery } from './infrastructure/worklist.query';

/** The triage service: assessments of patients' reports and the clinicians' worklist. */
// Every input asks for the rule set; a few seconds of caching spares pathways without delaying a change much.
const RULE_SET_CACHE_MS = 5_000;

@Module({})
export class TriageModule {
  static forRoot(infra: Infrastructure): DynamicModule {
    return {
      module: TriageModule,
      imports: [PlatformModule.forRoot(infra)],
      controllers: [WorklistHttpController, PatientTriageHttpController],
      providers: [
        { provide: ActiveEnrolments, useFactory: () => new PathwaysActiveEnrolments(new PathwaysEnrolments(infra.config.peers.pathwaysGrpc, RULE_SET_CACHE_MS)) },
        { provide: AccessLog, useFactory: () => new SharingAccessLog(infra.config.peers.sharingGrpc) },
        TriageHandler,
        WorklistProjection,
        WorklistQuery,
        PatientDataReader,
        TriageInputsConsumer,
      ],
    };
  }
}
