import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { Inject, Injectable } from '@nestjs/common';
import type { CommandMetadata } from '@varde/core';
import { handleCommand, type StoredEvent } from '@varde/event-sourcing';
import { EVENT_STORE } from '@varde/platform';
import { PathwayDefinitionStore } from '../application/pathway-definitions.port';
import { PATHWAY_DEFINITIONS_STREAM, pathwayDefinitionsDecider, type PathwayDefinitionCommand, type PathwayDefinitionEvent, type PathwayDefinitionsState } from '../domain/pathway-definitions.decide';

/**
 * Pathway definitions in the service's event store, one stream. Every enrolment, replan and CarePlan read asks for
 * them, so the folded state is kept and each load reads only what was appended since (by any replica).
 */
@Injectable()
export class EventStorePathwayDefinitions extends PathwayDefinitionStore {
  private folded: Readonly<{ state: PathwayDefinitionsState; position: bigint }> = { state: pathwayDefinitionsDecider.initialState(), position: 0n };

  constructor(@Inject(EVENT_STORE) private readonly store: PostgresEventStore) {
    super();
  }

  override async load(): Promise<PathwayDefinitionsState> {
    const known = this.folded;
    const { events } = await this.store.readStream<StoredEvent<PathwayDefinitionEvent>>(PATHWAY_DEFINITIONS_STREAM, { from: known.position + 1n });
    const last = events.at(-1);
    if (!last) return known.state;
    const state = events.reduce((s, e) => pathwayDefinitionsDecider.evolve(s, e as unknown as PathwayDefinitionEvent), known.state);
    // Loads running at once may finish in any order: keep the furthest.
    if (last.metadata.streamPosition > this.folded.position) this.folded = { state, position: last.metadata.streamPosition };
    return state;
  }

  override async handle(command: Omit<PathwayDefinitionCommand, 'metadata'>, metadata: CommandMetadata): Promise<PathwayDefinitionsState> {
    const result = await handleCommand(this.store, PATHWAY_DEFINITIONS_STREAM, pathwayDefinitionsDecider, { ...command, metadata } as PathwayDefinitionCommand);
    return result.state;
  }
}
