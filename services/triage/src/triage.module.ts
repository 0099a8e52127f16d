import { Module, type DynamicModule } from '@nestjs/common';
import { EventStore, PostgresEventStoreAdapter } from '@varde/event-sourcing';
import { AccessLog, AccessPolicy, type Infrastructure, PathwaysEnrolments, PlatformModule, accessLogViaOutbox, sharingAccessPolicy } from '@varde/platform';
import { AlertsHttpController } from './api/alerts.http.controller';
import { RuleOverridesHttpController } from './api/rule-overrides.http.controller';
import { RuleSetsHttpController } from './api/rule-sets.http.controller';
import { TriageAuditHttpController } from './api/triage-audit.http.controller';
import { PatientTriageHttpController } from './api/patient-triage.http.controller';
import { TriageFiguresHttpController } from './api/triage-figures.http.controller';
import { TriageGrpcController } from './api/triage.grpc.controller';
import { WorklistHttpController } from './api/worklist.http.controller';
import { AlertEscalationScheduler } from './application/alert-escalation.scheduler';
import { AlertHandler } from './application/alert.handler';
import { ALERTS_CONFIG, loadAlertsConfig } from './application/alerts.config';
import { ActiveEnrolments } from './application/active-enrolments.port';
import { AssessmentVerifier } from './application/assessment-verifier';
import { MissingReportScheduler } from './application/missing-report.scheduler';
import { RuleSetRegistry } from './application/rule-set.registry';
import { TriageOutcomeRecorder } from './application/triage-outcome.recorder';
import { WhatIfService } from './application/what-if.service';
import { PatientDataReader } from './application/patient-data.reader';
import { TriageInputsConsumer } from './application/triage-inputs.consumer';
import { TriageHandler } from './application/triage.handler';
import { AlertsProjection, AlertsQuery } from './application/alerts.port';
import { NextCheckProjection } from './application/next-checks.port';
import { RuleSetPublications } from './application/rule-set-publications.port';
import { TriageHistoryProjection } from './application/triage-history.port';
import { WorklistProjection, WorklistQuery } from './application/worklist.port';
import { triageStreamId } from './domain/triage.events';
import { PostgresAlertsProjection } from './infrastructure/alerts.projection';
import { PostgresAlertsQuery } from './infrastructure/alerts.query';
import { PathwaysActiveEnrolments } from './infrastructure/pathways-active-enrolments.grpc-client';
import { PostgresNextCheckProjection } from './infrastructure/next-check.projection';
import { PostgresRuleSetPublications } from './infrastructure/rule-set-publications.query';
import { PostgresTriageHistoryProjection } from './infrastructure/triage-history.projection';
import { PostgresWorklistProjection } from './infrastructure/worklist.projection';
import { WorklistChanges } from './application/worklist-changes.port';
import { PostgresWorklistChanges } from './infrastructure/worklist-changes.postgres';
import { TriageFiguresQuery } from './infrastructure/triage-figures.query';
import { PostgresWorklistQuery } from './infrastructure/worklist.query';
import { streamCachingEventStore } from './infrastructure/stream-caching-event-store';

// Pathways is asked only for a patient whose enrolment triage has not received yet (it keeps the rule set from
// PatientEnrolled); a few seconds of caching spares it during such a burst without delaying a change much.
const ENROLMENT_CACHE_MS = 5_000;
// Events of the patients' triage streams kept in memory (a few hundred bytes to a few kB each): with them an
// assessment reads only what its patient's stream gained since, whatever the length of their history.
const TRIAGE_STREAM_CACHE_EVENTS = 200_000;

/** The triage service: assessments of patients' reports, alerts and the clinicians' worklist. */
@Module({})
export class TriageModule {
  static forRoot(infra: Infrastructure): DynamicModule {
    return {
      module: TriageModule,
      imports: [PlatformModule.forRoot(infra)],
      controllers: [
        WorklistHttpController,
        PatientTriageHttpController,
        AlertsHttpController,
        TriageFiguresHttpController,
        RuleSetsHttpController,
        RuleOverridesHttpController,
        TriageAuditHttpController,
        TriageGrpcController,
      ],
      providers: [
        // Shadows the platform's store for this module: patients' triage streams are read incrementally.
        { provide: EventStore, useFactory: () => new PostgresEventStoreAdapter(streamCachingEventStore(infra.eventStore, { streams: new RegExp(`^${triageStreamId('')}`), maxEvents: TRIAGE_STREAM_CACHE_EVENTS }), infra.pool) },
        { provide: ActiveEnrolments, useFactory: () => new PathwaysActiveEnrolments(new PathwaysEnrolments(infra.config.peers.pathwaysGrpc, ENROLMENT_CACHE_MS, infra.credentials)) },
        { provide: AccessLog, useFactory: () => accessLogViaOutbox(infra) },
        // Sharing's policy decision point, asked for clinicians' and guardians' reads and writes (ADR 0019).
        { provide: AccessPolicy, useFactory: () => sharingAccessPolicy(infra) },
        { provide: ALERTS_CONFIG, useValue: loadAlertsConfig() },
        RuleSetRegistry,
        TriageHandler,
        TriageOutcomeRecorder,
        AssessmentVerifier,
        WhatIfService,
        MissingReportScheduler,
        PostgresNextCheckProjection,
        { provide: NextCheckProjection, useExisting: PostgresNextCheckProjection },
        PostgresTriageHistoryProjection,
        { provide: TriageHistoryProjection, useExisting: PostgresTriageHistoryProjection },
        AlertHandler,
        PostgresAlertsProjection,
        { provide: AlertsProjection, useExisting: PostgresAlertsProjection },
        PostgresAlertsQuery,
        { provide: AlertsQuery, useExisting: PostgresAlertsQuery },
        AlertEscalationScheduler,
        TriageFiguresQuery,
        PostgresWorklistProjection,
        { provide: WorklistProjection, useExisting: PostgresWorklistProjection },
        PostgresWorklistQuery,
        { provide: WorklistQuery, useExisting: PostgresWorklistQuery },
        PostgresRuleSetPublications,
        { provide: RuleSetPublications, useExisting: PostgresRuleSetPublications },
        PostgresWorklistChanges,
        { provide: WorklistChanges, useExisting: PostgresWorklistChanges },
        PatientDataReader,
        TriageInputsConsumer,
      ],
    };
  }
}
