import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigError, loadConfig, z } from '@varde/config';
import { AccessLog, accessLogViaOutbox, AccessPolicy, PlatformModule, SERVICE_PORTS, sharingAccessPolicy, type Infrastructure } from '@varde/platform';
import { EnrolmentsHttpController } from './api/enrolments.http.controller';
import { PatientSearchHttpController } from './api/patient-search.http.controller';
import { PathwaysGrpcController } from './api/pathways.grpc.controller';
import { EnrolmentChangesHttpController } from './api/enrolment-changes.http.controller';
import { ChangeEnrolmentHandler } from './application/change-enrolment.handler';
import { EnrolPatientHandler } from './application/enrol-patient.handler';
import { PatientNameHttpController } from './api/patient-name.http.controller';
import { EnrolmentStreams } from './application/enrolment-streams.port';
import { EnrolmentQuery } from './application/enrolment.query';
import { PathwayDirectory } from './application/pathway-directory.port';
import { CarePlansFhirController } from './api/care-plans.fhir.controller';
import { ContactsHttpController } from './api/contacts.http.controller';
import { TasksFhirController } from './api/tasks.fhir.controller';
import { RecordContactHandler } from './application/record-contact.handler';
import { ScheduleClock } from './application/schedule/schedule-clock';
import { ScheduleConsumer } from './application/schedule/schedule.consumer';
import { TaskScheduler } from './application/schedule/task-scheduler';
import { TaskSchedule } from './application/schedule/task-schedule.port';
import { PostgresTaskSchedule } from './infrastructure/postgres-task-schedule';
import { PlanDefinitionsFhirController } from './api/plan-definitions.fhir.controller';
import { PathwayDefinitionStore, RuleSetDirectory } from './application/pathway-definitions.port';
import { PathwayDefinitions } from './application/pathway-definitions.service';
import { EventStorePathwayDefinitions } from './infrastructure/event-store-pathway-definitions';
import { ShippedPathwaysLoader } from './infrastructure/shipped-pathways.loader';
import { TriageRuleSetDirectory } from './infrastructure/triage-rule-set-directory';
import { EventStoreEnrolmentStreams } from './infrastructure/event-store-enrolment-streams';
import { PatientIdentityRepository } from './application/patient-identities.port';
import { PostgresPatientIdentityRepository } from './infrastructure/patient-identity.repository';

/** The public development key of the national id → patient id mapping: anyone can read it in this repository. */
export const DEVELOPMENT_IDENTITY_KEY = 'varde-development-identity-key';

/**
 * Pathways' own settings. `IDENTITY_HMAC_KEY` keys the national id → patient id mapping: with a known key every
 * stored hash is reversed by trying the few million valid national ids. The public development key is accepted only
 * where no real patient can be: `NODE_ENV` `development` or `test`, or embedded mode (no `KAFKA_BROKERS`) outside
 * `NODE_ENV=production`. Anywhere else start-up stops and says so (docs/operations/configuration.md).
 */
export function loadPathwaysConfig(source: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(
    {
      IDENTITY_HMAC_KEY: z.string().min(16, 'expected a secret of at least 16 characters').default(DEVELOPMENT_IDENTITY_KEY),
      // Client ids of the services that may ask for a patient's national id over gRPC (sharing, for Pasientens måledata).
      NATIONAL_ID_READERS: z.string().default('varde-sharing').transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean)),
      // Client ids of the services that may resolve a national id to an enrolled patient's internal id over gRPC
      // (measurements and forms, for FHIR logical references: subject.identifier).
      PATIENT_FINDERS: z.string().default('varde-measurements,varde-forms,varde-sharing').transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean)),
      // How often the scheduler looks for tasks falling due and windows ending (tests run it faster).
      SCHEDULE_TICK_MS: z.coerce.number({ invalid_type_error: 'expected milliseconds' }).int().min(50, 'expected at least 50 ms').default(15_000),
      // Triage's HTTP base: a pathway's rule set is checked there before the pathway is saved.
      TRIAGE_URL: z.string().url('expected the triage service\'s HTTP base URL').default(`http://127.0.0.1:${SERVICE_PORTS.triage.http}`),
    },
    source,
  );
  const nodeEnv = source['NODE_ENV'];
  const development = nodeEnv === 'development' || nodeEnv === 'test' || (nodeEnv !== 'production' && !source['KAFKA_BROKERS']);
  if (config.IDENTITY_HMAC_KEY === DEVELOPMENT_IDENTITY_KEY && !development) {
    throw new ConfigError([
      `IDENTITY_HMAC_KEY: ${source['IDENTITY_HMAC_KEY'] === undefined ? 'is not set' : 'is the public development key'}; ` +
        `outside development (NODE_ENV=${nodeEnv ?? '(unset)'}${source['KAFKA_BROKERS'] ? ', KAFKA_BROKERS set' : ''}) set it to a secret of at least 32 random bytes, e.g. \`openssl rand -base64 48\``,
    ]);
  }
  return config;
}

/** The pathways service: pathway definitions, enrolments and the patient identity mapping. */
@Module({})
export class PathwaysModule {
  static forRoot(infra: Infrastructure): DynamicModule {
    const config = loadPathwaysConfig();
    return {
      module: PathwaysModule,
      imports: [PlatformModule.forRoot(infra)],
      controllers: [PatientSearchHttpController, EnrolmentsHttpController, EnrolmentChangesHttpController, PatientNameHttpController, PlanDefinitionsFhirController, CarePlansFhirController, TasksFhirController, ContactsHttpController, PathwaysGrpcController],
      providers: [
        EnrolPatientHandler,
        ChangeEnrolmentHandler,
        RecordContactHandler,
        EnrolmentQuery,
        EventStoreEnrolmentStreams,
        { provide: EnrolmentStreams, useExisting: EventStoreEnrolmentStreams },
        PathwayDefinitions,
        { provide: PathwayDirectory, useExisting: PathwayDefinitions },
        EventStorePathwayDefinitions,
        { provide: PathwayDefinitionStore, useExisting: EventStorePathwayDefinitions },
        { provide: 'TRIAGE_URL', useValue: config.TRIAGE_URL },
        TriageRuleSetDirectory,
        { provide: RuleSetDirectory, useExisting: TriageRuleSetDirectory },
        ShippedPathwaysLoader,
        PostgresTaskSchedule,
        { provide: TaskSchedule, useExisting: PostgresTaskSchedule },
        TaskScheduler,
        ScheduleConsumer,
        { provide: 'SCHEDULE_TICK_MS', useValue: config.SCHEDULE_TICK_MS },
        ScheduleClock,
        { provide: 'IDENTITY_HMAC_KEY', useValue: config.IDENTITY_HMAC_KEY },
        { provide: 'NATIONAL_ID_READERS', useValue: config.NATIONAL_ID_READERS },
        { provide: 'PATIENT_FINDERS', useValue: config.PATIENT_FINDERS },
        PostgresPatientIdentityRepository,
        { provide: PatientIdentityRepository, useExisting: PostgresPatientIdentityRepository },
        // A person's read of an enrolment is written to the patient's access log (through pathways' outbox) first.
        { provide: AccessLog, useFactory: () => accessLogViaOutbox(infra) },
        // Sharing's policy decision point, asked for clinicians' and guardians' reads and writes (ADR 0019).
        { provide: AccessPolicy, useFactory: () => sharingAccessPolicy(infra) },
      ],
    };
  }
}
