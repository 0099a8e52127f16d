import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { env, loadConfig, z } from '@varde/config';
import { EnrolmentDirectory, PathwaysEnrolments, PlatformModule, type Infrastructure } from '@varde/platform';
import { AccessLogHttpController } from './api/access-log.http.controller';
import { ConsentsHttpController } from './api/consents.http.controller';
import { EmergencyAccessHttpController } from './api/emergency-access.http.controller';
import { SharingFhirMetadataHttpController } from './api/fhir-metadata.http.controller';
import { OrganizationsHttpController } from './api/organizations.http.controller';
import { RelatedPersonsHttpController } from './api/related-persons.http.controller';
import { Guardianships } from './application/guardianships.port';
import { RegisterGuardianHandler } from './application/register-guardian.handler';
import { PostgresGuardianships } from './infrastructure/guardianships.read-model';
import { R4Consent } from './api/r4-consent';
import { AuditDecisionsHttpController } from './api/audit/audit-decisions.http.controller';
import { AuditFhirHttpController } from './api/audit/audit-fhir.http.controller';
import { AuditHttpController } from './api/audit/audit.http.controller';
import { FiguresHttpController } from './api/audit/figures.http.controller';
import { StrategyFiguresQuery } from './infrastructure/audit/strategy-figures.query';
import { AuditReader } from './application/audit/audit-reader';
import { AuditTrail } from './application/audit/audit-trail.port';
import { AuditTimelineProjection } from './infrastructure/audit/audit-timeline.projection';
import { PostgresAuditTrail } from './infrastructure/audit/postgres-audit-trail';
import { SharingGrpcController } from './api/sharing.grpc.controller';
import { Consents } from './application/consents.port';
import { EmergencyAccesses } from './application/emergency-accesses.port';
import { EmergencyAccessReport } from './application/emergency-access-report';
import { OpenEmergencyAccessHandler } from './application/open-emergency-access.handler';
import { PatientAccessDecisions } from './application/patient-access.decisions';
import { OrganisationDirectory } from './application/organisation-directory.port';
import { PatientDataAccess } from './application/patient-data-access';
import { PatientTriagedConsumer } from './application/patient-triaged.consumer';
import { RecordAccessHandler } from './application/record-access.handler';
import { RecordConsentHandler } from './application/record-consent.handler';
import { AccessLogRepository } from './application/access-log.port';
import { PostgresAccessLogRepository } from './infrastructure/access-log.repository';
import { PostgresConsents } from './infrastructure/consents.read-model';
import { PostgresEmergencyAccesses } from './infrastructure/emergency-accesses.read-model';
import { FileOrganisationDirectory, SHIPPED_ORGANISATIONS_FILE } from './infrastructure/file-organisation-directory';
import { PatientStatuses } from './application/patient-statuses.port';
import { PostgresPatientStatuses } from './infrastructure/patient-status.projection';
import { PmdHttpController } from './api/pmd/pmd.http.controller';
import { loadPmdConfig, patientIdentitiesProvider, pmdProviders } from './pmd.providers';
import { feedProviders, loadFeedConfig } from './feed.providers';

/** Sharing's own settings. */
export function loadSharingConfig(source: NodeJS.ProcessEnv = process.env) {
  return loadConfig(
    {
      // The organisations consents may name (JSON, see config/organisations.json); the shipped file is example data.
      SHARING_ORGANISATIONS_FILE: z.string().min(1).default(SHIPPED_ORGANISATIONS_FILE),
      // How long a patient's care team (asked of pathways) is reused for a clinician's consent requests.
      ENROLMENT_CACHE_SECONDS: env.int(5),
    },
    source,
  );
}

/** The sharing service: consents and blocks, the access log, the patient status kept for sharing, and the auditor's view. */
@Module({})
export class SharingModule {
  static forRoot(infra: Infrastructure): DynamicModule {
    const config = loadSharingConfig();
    const pmd = loadPmdConfig();
    const feed = loadFeedConfig();
    return {
      module: SharingModule,
      // DiscoveryModule: GET /fhir/metadata is generated from the routes the module registers.
      imports: [PlatformModule.forRoot(infra), DiscoveryModule],
      controllers: [AccessLogHttpController, ConsentsHttpController, OrganizationsHttpController, EmergencyAccessHttpController, RelatedPersonsHttpController, SharingFhirMetadataHttpController, SharingGrpcController, AuditHttpController, AuditFhirHttpController, AuditDecisionsHttpController, FiguresHttpController, ...(pmd ? [PmdHttpController] : [])],
      providers: [
        RecordAccessHandler,
        PostgresAccessLogRepository,
        { provide: AccessLogRepository, useExisting: PostgresAccessLogRepository },
        PostgresPatientStatuses,
        { provide: PatientStatuses, useExisting: PostgresPatientStatuses },
        PatientTriagedConsumer,
        RecordConsentHandler,
        PostgresConsents,
        { provide: Consents, useExisting: PostgresConsents },
        { provide: OrganisationDirectory, useFactory: () => new FileOrganisationDirectory(config.SHARING_ORGANISATIONS_FILE) },
        { provide: EnrolmentDirectory, useFactory: () => new PathwaysEnrolments(infra.config.peers.pathwaysGrpc, config.ENROLMENT_CACHE_SECONDS * 1000, infra.credentials) },
        PatientDataAccess,
        R4Consent,
        // The auditor's view (issue #22, ADR 0017).
        AuditTimelineProjection,
        PostgresAuditTrail,
        { provide: AuditTrail, useExisting: PostgresAuditTrail },
        AuditReader,
        StrategyFiguresQuery,
        // Pasientens måledata (issue #21), when PMD_BASE_URL is set.
        ...(pmd ? pmdProviders(infra, pmd) : []),
        // The public event feed for other health trusts (issue #21 item 5, ADR 0020), when PUBLIC_FEED_BROKERS is set.
        ...(feed ? feedProviders(infra, feed) : []),
        ...(pmd || feed ? [patientIdentitiesProvider(infra, pmd?.PMD_IDENTITY_CACHE_SECONDS ?? 600)] : []),
        // The policy decision point and emergency access (issue #16, ADR 0019).
        PatientAccessDecisions,
        PostgresEmergencyAccesses,
        { provide: EmergencyAccesses, useExisting: PostgresEmergencyAccesses },
        OpenEmergencyAccessHandler,
        EmergencyAccessReport,
        // Guardians and minors (issue #16).
        PostgresGuardianships,
        { provide: Guardianships, useExisting: PostgresGuardianships },
        RegisterGuardianHandler,
      ],
    };
  }
}
