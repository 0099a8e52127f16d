import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { loadConfig, z } from '@varde/config';
import { AccessLog, accessLogViaOutbox, EnrolmentDirectory, PathwaysEnrolments, AccessPolicy, sharingAccessPolicy, PlatformModule, type Infrastructure } from '@varde/platform';
import { AssignmentsHttpController } from './api/assignments.http.controller';
import { QuestionnaireResponsesHttpController } from './api/questionnaire-responses.http.controller';
import { QuestionnairesHttpController } from './api/questionnaires.http.controller';
import { R4Structure } from './api/r4-structure';
import { AssignFormHandler } from './application/assign-form.handler';
import { AssignOnEnrolmentConsumer } from './application/assign-on-enrolment.consumer';
import { AssignOnTaskDueConsumer } from './application/assign-on-task-due.consumer';
import { AssignmentDeadlineJob } from './application/assignment-deadline.job';
import { AssignmentDeadlines } from './application/assignment-deadlines.port';
import { AssignmentsQuery } from './application/assignments.query';
import { AuthorQuestionnaireHandler } from './application/author-questionnaire.handler';
import { NoteMeasurementsConsumer } from './application/note-measurements.consumer';
import { PathwayQuestionnairesConsumer } from './application/pathway-questionnaires.consumer';
import { PatientFactsHandler } from './application/patient-facts.handler';
import { QuestionnaireCatalogueQuery } from './application/questionnaire-catalogue.query';
import { ShippedQuestionnaires } from './application/shipped-questionnaires';
import { QuestionnaireResponseQuery } from './application/questionnaire-response.query';
import { ResponseIndex } from './application/response-index.port';
import { ResponsePdfRenderer } from './application/response-pdf.port';
import { SubmitResponseHandler } from './application/submit-response.handler';
import { PdfKitResponseRenderer } from './infrastructure/pdfkit-response.renderer';
import { PostgresAssignmentDeadlines } from './infrastructure/postgres-assignment-deadlines';
import { PostgresResponseIndex } from './infrastructure/postgres-response-index';
import { FormsFhirMetadataHttpController } from './api/fhir-metadata.http.controller';

/** Forms' own settings, checked at start-up (every problem listed at once). */
export function loadFormsConfig(source: NodeJS.ProcessEnv = process.env) {
  return loadConfig(
    {
      // How often assignment deadlines (expiries, reminders) are looked for (tests run it faster).
      FORM_DEADLINE_TICK_MS: z.coerce.number({ invalid_type_error: 'expected milliseconds' }).int().min(50, 'expected at least 50 ms').default(15_000),
    },
    source,
  );
}

/** The forms service: questionnaires, assignments and scored responses. */
@Module({})
export class FormsModule {
  static forRoot(infra: Infrastructure): DynamicModule {
    const config = loadFormsConfig();
    return {
      module: FormsModule,
      imports: [PlatformModule.forRoot(infra), DiscoveryModule],
      controllers: [FormsFhirMetadataHttpController, QuestionnairesHttpController, QuestionnaireResponsesHttpController, AssignmentsHttpController],
      providers: [
        R4Structure,
        QuestionnaireCatalogueQuery,
        AuthorQuestionnaireHandler,
        ShippedQuestionnaires,
        AssignFormHandler,
        PostgresAssignmentDeadlines,
        { provide: AssignmentDeadlines, useExisting: PostgresAssignmentDeadlines },
        { provide: 'FORM_DEADLINE_TICK_MS', useValue: config.FORM_DEADLINE_TICK_MS },
        AssignmentDeadlineJob,
        AssignmentsQuery,
        SubmitResponseHandler,
        PostgresResponseIndex,
        { provide: ResponseIndex, useExisting: PostgresResponseIndex },
        QuestionnaireResponseQuery,
        AssignOnEnrolmentConsumer,
        AssignOnTaskDueConsumer,
        PathwayQuestionnairesConsumer,
        PatientFactsHandler,
        NoteMeasurementsConsumer,
        { provide: ResponsePdfRenderer, useClass: PdfKitResponseRenderer },
        // Forms asks once per response: no caching needed.
        { provide: AccessPolicy, useFactory: () => sharingAccessPolicy(infra) },
        { provide: EnrolmentDirectory, inject: [AccessPolicy], useFactory: (policy: AccessPolicy) => new PathwaysEnrolments(infra.config.peers.pathwaysGrpc, 0, infra.credentials, policy) },
        // Reads of a patient's responses are written to their access log (through forms' outbox) before they are shown.
        { provide: AccessLog, useFactory: () => accessLogViaOutbox(infra) },
      ],
    };
  }
}
