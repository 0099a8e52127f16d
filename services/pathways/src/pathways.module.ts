import { Module, type DynamicModule } from '@nestjs/common';
import { loadConfig, z } from '@varde/config';
import { AccessLog, accessLogViaOutbox, PlatformModule, type Infrastructure } from '@varde/platform';
import { EnrolmentsHttpController } from './api/enrolments.http.controller';
import { PathwaysGrpcController } from './api/pathways.grpc.controller';
import { EnrolmentChangesHttpController } from './api/enrolment-changes.http.controller';
import { ChangeEnrolmentHandler } from './application/change-enrolment.handler';
import { EnrolPatientHandler } from './application/enrol-patient.handler';
import { EnrolmentStreams } from './application/enrolment-streams.port';
import { EnrolmentQuery } from './application/enrolment.query';
import { PathwayDirectory } from './application/pathway-directory.port';
import { CataloguePathwayDirectory } from './infrastructure/catalogue-pathway-directory';
import { EventStoreEnrolmentStreams } from './infrastructure/event-store-enrolment-streams';
import { PatientIdentityRepository, PostgresPatientIdentityRepository } from './infrastructure/patient-identity.repository';

/** Pathways' own settings. */
export function loadPathwaysConfig(source: NodeJS.ProcessEnv = process.env) {
  return loadConfig(
    {
      // The development default is public; production must set its own secret (see docs/operations).
      IDENTITY_HMAC_KEY: z.string().min(16, 'expected a secret of at least 16 characters').default('varde-development-identity-key'),
    },
    source,
  );
}

/** The pathways service: pathway definitions, enrolments and the patient identity mapping. */
@Module({})
export class PathwaysModule {
  static forRoot(infra: Infrastructure): DynamicModule {
    const config = loadPathwaysConfig();
    return {
      module: PathwaysModule,
      imports: [PlatformModule.forRoot(infra)],
      controllers: [EnrolmentsHttpController, EnrolmentChangesHttpController, PathwaysGrpcController],
      providers: [
        EnrolPatientHandler,
        ChangeEnrolmentHandler,
        EnrolmentQuery,
        EventStoreEnrolmentStreams,
        { provide: EnrolmentStreams, useExisting: EventStoreEnrolmentStreams },
        CataloguePathwayDirectory,
        { provide: PathwayDirectory, useExisting: CataloguePathwayDirectory },
        { provide: 'IDENTITY_HMAC_KEY', useValue: config.IDENTITY_HMAC_KEY },
        PostgresPatientIdentityRepository,
        { provide: PatientIdentityRepository, useExisting: PostgresPatientIdentityRepository },
        // A person's read of an enrolment is written to the patient's access log (through pathways' outbox) first.
        { provide: AccessLog, useFactory: () => accessLogViaOutbox(infra) },
      ],
    };
  }
}
