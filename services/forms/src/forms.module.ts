import { Module, type DynamicModule } from '@nestjs/common';
import { AccessLog, accessLogViaOutbox, EnrolmentDirectory, PathwaysEnrolments, PlatformModule, type Infrastructure } from '@varde/platform';
import { AssignmentsHttpController } from './api/assignments.http.controller';
import { QuestionnaireResponsesHttpController } from './api/questionnaire-responses.http.controller';
import { QuestionnairesHttpController } from './api/questionnaires.http.controller';
import { R4Structure } from './api/r4-structure';
import { AssignFormHandler } from './application/assign-form.handler';
import { AssignOnEnrolmentConsumer } from './application/assign-on-enrolment.consumer';
import { AssignOnTaskDueConsumer } from './application/assign-on-task-due.consumer';
import { AssignmentsQuery } from './application/assignments.query';
import { AuthorQuestionnaireHandler } from './application/author-questionnaire.handler';
import { NoteMeasurementsConsumer } from './application/note-measurements.consumer';
import { PatientFactsHandler } from './application/patient-facts.handler';
import { QuestionnaireCatalogueQuery } from './application/questionnaire-catalogue.query';
import { ShippedQuestionnaires } from './application/shipped-questionnaires';
import { QuestionnaireResponseQuery } from './application/questionnaire-response.query';
import { ResponsePdfRenderer } from './application/response-pdf.port';
import { SubmitResponseHandler } from './application/submit-response.handler';
import { PdfKitResponseRenderer } from './infrastructure/pdfkit-response.renderer';

/** The forms service: questionnaires, assignments and scored responses. */
@Module({})
export class FormsModule {
  static forRoot(infra: Infrastructure): DynamicModule {
    return {
      module: FormsModule,
      imports: [PlatformModule.forRoot(infra)],
      controllers: [QuestionnairesHttpController, QuestionnaireResponsesHttpController, AssignmentsHttpController],
      providers: [
        R4Structure,
        QuestionnaireCatalogueQuery,
        AuthorQuestionnaireHandler,
        ShippedQuestionnaires,
        AssignFormHandler,
        AssignmentsQuery,
        SubmitResponseHandler,
        QuestionnaireResponseQuery,
        AssignOnEnrolmentConsumer,
        AssignOnTaskDueConsumer,
        PatientFactsHandler,
        NoteMeasurementsConsumer,
        { provide: ResponsePdfRenderer, useClass: PdfKitResponseRenderer },
        // Forms asks once per response: no caching needed.
        { provide: EnrolmentDirectory, useFactory: () => new PathwaysEnrolments(infra.config.peers.pathwaysGrpc, 0, infra.credentials) },
        // Reads of a patient's responses are written to their access log (through forms' outbox) before they are shown.
        { provide: AccessLog, useFactory: () => accessLogViaOutbox(infra) },
      ],
    };
  }
}
