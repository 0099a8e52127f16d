import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ValidationError } from '@varde/core';
import { indexR4Definitions, r4Issues } from '@varde/fhir';

/** R4 structural validation of incoming Questionnaires and QuestionnaireResponses, shared with measurements (@varde/fhir). */
@Injectable()
export class R4Structure implements OnModuleInit {
  onModuleInit(): void {
    indexR4Definitions();
  }

  /** Refuses (400, each issue naming its element) what R4 does not allow, before forms' own checks. */
  assertValid(body: unknown): void {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw ValidationError.field('body', 'expected a JSON object');
    const issues = r4Issues(body as Record<string, unknown>);
    if (issues.length > 0) throw new ValidationError(issues);
  }
}
