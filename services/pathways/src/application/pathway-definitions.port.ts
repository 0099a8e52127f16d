import type { CommandMetadata } from '@varde/core';
import type { PathwayDefinitionCommand, PathwayDefinitionsState } from '../domain/pathway-definitions.decide';

/** Port: the stream of pathway definitions. */
export abstract class PathwayDefinitionStore {
  /** Every definition, folded. */
  abstract load(): Promise<PathwayDefinitionsState>;
  /** Decides and appends one command (retried on a concurrent append); the state after it. */
  abstract handle(command: Omit<PathwayDefinitionCommand, 'metadata'>, metadata: CommandMetadata): Promise<PathwayDefinitionsState>;
}

/** Port: the triage rule sets a pathway may name (triage owns them). */
export abstract class RuleSetDirectory {
  /** True when triage has published a rule set with this id; `authorization` is the caller's, passed on. Unavailable when triage cannot be asked. */
  abstract exists(ruleSetId: string, authorization: string | undefined): Promise<boolean>;
}
