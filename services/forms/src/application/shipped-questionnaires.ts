import { join } from 'node:path';
import type { Questionnaire } from '@medplum/fhirtypes';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { LOGGER, readShippedJson, type Logger } from '@varde/platform';
import { AuthorQuestionnaireHandler } from './author-questionnaire.handler';

/** Where the questionnaires shipped with Varde live, as FHIR JSON (one file per questionnaire version). */
export const SHIPPED_DIRECTORY = join(__dirname, '..', '..', 'questionnaires');

/** The questionnaires shipped with Varde (CAT, PHQ-9, GAD-7, mMRC, pre-visit, DHO PREM). */
export function shippedQuestionnaires(): Questionnaire[] {
  return [...readShippedJson<Questionnaire>(SHIPPED_DIRECTORY).values()];
}

/**
 * Publishes the shipped questionnaires into the catalogue at start-up, once (the same file again changes
 * nothing; replicas starting together meet on the stream's expected version and retry).
 */
@Injectable()
export class ShippedQuestionnaires implements OnApplicationBootstrap {
  constructor(
    @Inject(AuthorQuestionnaireHandler) private readonly author: AuthorQuestionnaireHandler,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const questionnaire of shippedQuestionnaires()) {
      const key = `shipped-questionnaire:${questionnaire.id}:${questionnaire.version}`;
      try {
        await this.author.publishShipped(questionnaire, { commandId: key, correlationId: key, actor: { subject: 'varde-forms', role: 'system' }, now: new Date().toISOString() });
      } catch (error) {
        // A shipped file edited in place (same id, other content) is refused; the catalogue keeps what was published.
        this.logger.error({ err: error, questionnaire: questionnaire.id }, 'shipped questionnaire not published');
      }
    }
  }
}
