import { Inject, Injectable } from '@nestjs/common';
import type { CommandMetadata } from '@varde/core';
import { EventStore, Transactions, handleCommandInTransaction } from '@varde/event-sourcing';
import { consentDecider, type ConsentCommand } from '../domain/consent.decide';
import { consentStreamId } from '../domain/consent.events';
import { Consents, type StoredConsent } from './consents.port';

/** What recording a consent version gave: the consent as it now stands, and whether this call changed it. */
export type ConsentOutcome = Readonly<{ consent: StoredConsent; changed: boolean }>;

/**
 * Appends a consent's new version to its stream (`consent-<id>`) and stores it in the read model in the same
 * transaction (ADR 0011); the relay then publishes `varde.sharing.v1.ConsentChanged`. A refused command writes nothing.
 */
@Injectable()
export class RecordConsentHandler {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(Consents) private readonly consents: Consents,
  ) {}

  /** Decides and records `command`. */
  async handle(command: Omit<ConsentCommand, 'metadata'>, metadata: CommandMetadata): Promise<ConsentOutcome> {
    const consentId = command.data.consentId;
    const changed = await handleCommandInTransaction(this.transactions, this.store, consentStreamId(consentId), consentDecider, { ...command, metadata } as ConsentCommand, async (tx, result) => {
      for (const event of result.events) await this.consents.apply(tx, event.data, event.metadata.recordedTime);
      return !result.alreadyHandled && result.events.length > 0;
    });
    const consent = await this.consents.byId(consentId);
    if (consent === undefined) throw new Error(`Consent/${consentId} was recorded but is not in the read model`);
    return { consent, changed };
  }
}
