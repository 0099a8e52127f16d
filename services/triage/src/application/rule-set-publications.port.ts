import type { RuleSetPublished } from '../domain/rule-set-publication';

/** Port: the rule set versions published so far, across all rule set streams. */
export abstract class RuleSetPublications {
  /** The latest published version of every rule set (in no particular order). */
  abstract latestOfEach(): Promise<readonly RuleSetPublished['data'][]>;
}
