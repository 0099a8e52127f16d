import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { Inject, Injectable } from '@nestjs/common';
import type { CommandMetadata } from '@varde/core';
import { handleCommand, type StoredEvent } from '@varde/event-sourcing';
import { EVENT_STORE } from '@varde/platform';
import { PathwayDefinitionStore } from '../application/pathway-definitions.port';
import { PATHWAY_DEFINITIONS_STREAM, pathwayDefinitionsDecider, type PathwayDefinitionCommand, type PathwayDefinitionEvent, type PathwayDefinitionsState } from '../domain/pathway-definitions.decide';

/** Pathway definitions in the service's event store, one stream. */
@Injectable()
export class EventStorePathwayDefinitions extends PathwayDefinitionStore {
  constructor(@Inject(EVENT_STORE) private readonly store: PostgresEventStore) {
    super();
  }

  override async load(): Promise<PathwayDefinitionsState> {
    const { events } = await this.store.readStream<StoredEvent<PathwayDefinitionEvent>>(PATHWAY_DEFINITIONS_STREAM);
    return events.reduce((s, e) => pathwayDefinitionsDecider.evolve(s, e as unknown as PathwayDefinitionEvent), pathwayDefinitionsDecider.initialState());
  }

  override async handle(command: Omit<PathwayDefinitionCommand, 'metadata'>, metadata: CommandMetadata): Promise<PathwayDefinitionsState> {
    const result = await handleCommand(this.store, PATHWAY_DEFINITIONS_STREAM, pathwayDefinitionsDecider, { ...command, metadata } as PathwayDefinitionCommand);
    return result.state;
  }
}
