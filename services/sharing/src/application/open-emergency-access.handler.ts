import { Inject, Injectable } from '@nestjs/common';
import type { CommandMetadata } from '@varde/core';
import { EventStore, Transactions, handleCommandInTransaction } from '@varde/event-sourcing';
import { emergencyAccessDecider, type OpenEmergencyAccess } from '../domain/emergency-access.decide';
import { emergencyAccessStreamId, type EmergencyAccessGrant } from '../domain/emergency-access.events';
import { EmergencyAccesses } from './emergency-accesses.port';
import { PatientAccessDecisions } from './patient-access.decisions';
import { RecordAccessHandler } from './record-access.handler';

/**
 * Opens an emergency access: its event and read-model row in one transaction (ADR 0011), then an entry in the
 * patient's access log that names the reason (the patient sees it; the reads under it are marked apart).
 */
@Injectable()
export class OpenEmergencyAccessHandler {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(EmergencyAccesses) private readonly emergencies: EmergencyAccesses,
    @Inject(RecordAccessHandler) private readonly accessLog: RecordAccessHandler,
    @Inject(PatientAccessDecisions) private readonly decisions: PatientAccessDecisions,
  ) {}

  /**
   * Opens it (a retried command id finds the grant it opened), noting the patient's blocks it overrides (those naming
   * the clinician, which the care team's report shows), and resolves to the grant.
   */
  async handle(data: Omit<OpenEmergencyAccess['data'], 'overridesBlocks'>, metadata: CommandMetadata): Promise<EmergencyAccessGrant> {
    const overridesBlocks = await this.decisions.blocksNaming({ hprNumber: data.hprNumber, organisation: data.actor.organisation }, data.patientId, metadata.now);
    const command = { type: 'OpenEmergencyAccess' as const, data: { ...data, ...(overridesBlocks.length > 0 ? { overridesBlocks } : {}) }, metadata };
    const grant = await handleCommandInTransaction(this.transactions, this.store, emergencyAccessStreamId(data.grantId), emergencyAccessDecider, command, async (tx, result) => {
      if (result.state.status !== 'open') throw new Error(`emergency access ${data.grantId} did not open`);
      await this.emergencies.apply(tx, result.state.grant);
      return result.state.grant;
    });
    const { commandId, ...context } = metadata;
    await this.accessLog.record(
      [{ entryId: `${commandId}:opened`, patientId: grant.patientId, actor: grant.actor, purpose: 'emergency-access', resource: `emergency-access/${grant.grantId}`, accessedAt: grant.openedAt, correlationId: metadata.correlationId, reason: grant.reason }],
      context,
    );
    return grant;
  }
}
