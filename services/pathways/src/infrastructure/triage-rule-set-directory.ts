import { Inject, Injectable } from '@nestjs/common';
import { UnavailableError } from '@varde/core';
import { RuleSetDirectory } from '../application/pathway-definitions.port';

/** Asks triage over HTTP (`GET /api/rule-sets/{id}`) with the caller's token, so triage authorises the pathway designer. */
@Injectable()
export class TriageRuleSetDirectory extends RuleSetDirectory {
  constructor(@Inject('TRIAGE_URL') private readonly triageUrl: string) {
    super();
  }

  override async exists(ruleSetId: string, authorization: string | undefined): Promise<boolean> {
    let response: Response;
    try {
      response = await fetch(`${this.triageUrl}/api/rule-sets/${encodeURIComponent(ruleSetId)}`, { headers: authorization ? { authorization } : {}, signal: AbortSignal.timeout(5_000) });
    } catch {
      throw new UnavailableError(`cannot check rule set "${ruleSetId}": triage (${this.triageUrl}) does not answer; try again`);
    }
    if (response.status === 404) return false;
    if (response.ok) return true;
    throw new UnavailableError(`cannot check rule set "${ruleSetId}": triage answered ${response.status}`);
  }
}
