import { Inject, Injectable } from '@nestjs/common';
import type { CommandMetadata } from '@varde/core';
import { EventStore, handleCommand } from '@varde/event-sourcing';
import { patientFactsDecider, patientFactsStreamId, type NoteMeasurement, type NoteResponse, type PatientFacts, type PatientFactsEvent } from '../domain/patient-facts.events';

/** What forms keeps of a patient to pre-fill forms with: the latest linked measurements and the latest response per form. */
@Injectable()
export class PatientFactsHandler {
  constructor(@Inject(EventStore) private readonly store: EventStore) {}

  /** Notes a measurement or a completed response (only when newer than what is known). */
  async note(command: NoteMeasurement | NoteResponse): Promise<void> {
    await handleCommand(this.store, patientFactsStreamId(command.data.patientId), patientFactsDecider, command);
  }

  /** The patient's facts. */
  async facts(patientId: string): Promise<PatientFacts> {
    const { state } = await this.store.aggregateStream<PatientFacts, PatientFactsEvent>(patientFactsStreamId(patientId), patientFactsDecider);
    return state;
  }

  /** Metadata of a note derived from another command (same id space, its own suffix). */
  static derived(metadata: CommandMetadata, suffix: string): CommandMetadata {
    return { ...metadata, commandId: `${metadata.commandId}:${suffix}` };
  }
}
