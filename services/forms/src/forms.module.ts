import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule, type Infrastructure } from '@varde/platform';
import { QuestionnaireResponsesHttpController } from './api/questionnaire-responses.http.controller';
import { QuestionnairesHttpController } from './api/questionnaires.http.controller';
import { AssignFormHandler } from './application/assign-form.handler';
import { AssignOnEnrolmentConsumer } from './application/assign-on-enrolment.consumer';
import { AssignmentsQuery } from './application/assignments.query';
import { EnrolmentDirectory } from './application/enrolment-directory';
import { QuestionnaireResponseQuery } from './application/questionnaire-response.query';
import { SubmitResponseHandler } from './application/submit-response.handler';
import { INFRA } from './infra.token';
import { PathwaysEnrolmentDirectory } from './infrastructure/pathways-enrolment-directory';

/** The forms service: questionnaires, assignments and scored responses. */
@Module({})
export class FormsModule {
  static forRoot(infra: Infrastructure): DynamicModule {
    return {
      module: FormsModule,
      imports: [PlatformModule.forRoot(infra)],
      controllers: [QuestionnairesHttpController, QuestionnaireResponsesHttpController],
      providers: [
        { provide: INFRA, useValue: infra },
        AssignFormHandler,
        AssignmentsQuery,
        SubmitResponseHandler,
        QuestionnaireResponseQuery,
        AssignOnEnrolmentConsumer,
        PathwaysEnrolmentDirectory,
        { provide: EnrolmentDirectory, useExisting: PathwaysEnrolmentDirectory },
      ],
    };
  }
}
