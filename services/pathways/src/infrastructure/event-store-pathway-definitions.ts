import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { Inject, Injectable } from '@nestjs/common';
import type { CommandMetadata } from '@varde/core';
import { handleCommand, StreamFoldCache } from '@varde/event-sourcing';
import { EVENT_STORE } from '@varde/platform';
import { PathwayDefinitionStore } from '../application/pathway-definitions.port';
import { PATHWAY_DEFINITIONS_STREAM, pathwayDefinitionsDecider, type PathwayDefinitionCommand, type PathwayDefinitionEvent, type PathwayDefinitionsState } from '../domain/pathway-definitions.decide';

/**
 * Pathway definitions in the service's event store, one stream. Every enrolment, replan and CarePlan read asks for
 * them, so the folded state is kept and each load reads only what was appended since (by any replica).
 */
@Injectable()
export class EventStorePathwayDefinitions extends PathwayDefinitionStore {
  private readonly definitions: StreamFoldCache<PathwayDefinitionsState, PathwayDefinitionEvent>;

  constructor(@Inject(EVENT_STORE) private readonly store: PostgresEventStore) {
    super();
    this.definitions = new StreamFoldCache(store, PATHWAY_DEFINITIONS_STREAM, pathwayDefinitionsDecider.initialState(), (s, e) => pathwayDefinitionsDecider.evolve(s, e as unknown as PathwayDefinitionEvent));
  }

  override load(): Promise<PathwayDefinitionsState> {
    return this.definitions.load();
  }

  override async handle(command: Omit<PathwayDefinitionCommand, 'metadata'>, metadata: CommandMetadata): Promise<PathwayDefinitionsState> {
    const result = await handleCommand(this.store, PATHWAY_DEFINITIONS_STREAM, pathwayDefinitionsDecider, { ...command, metadata } as PathwayDefinitionCommand);
    return result.state;
  }
}
