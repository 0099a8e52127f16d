import { Inject, Injectable } from '@nestjs/common';
import type { CommandMetadata } from '@varde/core';
import { EventStore, Transactions, handleCommandInTransaction } from '@varde/event-sourcing';
import { guardianshipDecider, type RegisterGuardian } from '../domain/guardianship.decide';
import { guardianshipStreamId, type Guardianship } from '../domain/guardianship.events';
import { Guardianships } from './guardianships.port';

/** Registers a guardian: the event and its read-model row in one transaction (ADR 0011); an adult is refused (422). */
@Injectable()
export class RegisterGuardianHandler {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(Guardianships) private readonly guardianships: Guardianships,
  ) {}

  /** Registers it and resolves to the registration. */
  async handle(data: RegisterGuardian['data'], metadata: CommandMetadata): Promise<Guardianship> {
    const command = { type: 'RegisterGuardian' as const, data, metadata };
    return handleCommandInTransaction(this.transactions, this.store, guardianshipStreamId(data.relatedPersonId), guardianshipDecider, command, async (tx, result) => {
      if (result.state.status !== 'registered') throw new Error(`RelatedPerson/${data.relatedPersonId} was not registered`);
      await this.guardianships.apply(tx, result.state.guardianship);
      return result.state.guardianship;
    });
  }
}
