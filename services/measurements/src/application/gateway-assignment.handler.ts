import { Inject, Injectable } from '@nestjs/common';
import type { CommandMetadata } from '@varde/core';
import { EventStore, handleCommand, type StoredEvent } from '@varde/event-sourcing';
import { gatewayAssignmentDecider, type GatewayAssignmentCommand } from '../domain/gateway-assignment.decide';
import { gatewayAssignmentStreamId, isGatewayAssigned, type GatewayAssignmentEvent, type GatewayAssignmentState } from '../domain/gateway-assignment.events';

/** The gateways assigned to a patient after a command, and whether this call changed them. */
export type GatewayAssignmentResult = Readonly<{ gateways: readonly string[]; changed: boolean }>;

/**
 * Assigns and revokes device gateways per patient, and answers the ingestion hot path's question "may this
 * gateway submit for this patient?" by folding the patient's stream. The stream holds one event per change a
 * clinician makes, so reading it is one indexed query of a few rows: consistent at once after a revocation,
 * with no read model to keep in step.
 */
@Injectable()
export class GatewayAssignmentHandler {
  constructor(@Inject(EventStore) private readonly store: EventStore) {}

  /** Assigns (idempotent) or revokes (409 when not assigned) a gateway. */
  async handle(type: GatewayAssignmentCommand['type'], data: Readonly<{ patientId: string; gatewayId: string }>, metadata: CommandMetadata): Promise<GatewayAssignmentResult> {
    const result = await handleCommand(this.store, gatewayAssignmentStreamId(data.patientId), gatewayAssignmentDecider, { type, data, metadata });
    return { gateways: gatewaysOf(result.state), changed: result.events.length > 0 && !result.alreadyHandled };
  }

  /** Whether the gateway (a `system` token's subject) is assigned to the patient now. */
  async isAssigned(patientId: string, gatewayId: string): Promise<boolean> {
    const { events } = await this.store.readStream<StoredEvent<GatewayAssignmentEvent>>(gatewayAssignmentStreamId(patientId));
    return isGatewayAssigned(events.reduce(gatewayAssignmentDecider.evolve, gatewayAssignmentDecider.initialState()), gatewayId);
  }
}

const gatewaysOf = (state: GatewayAssignmentState): readonly string[] => (state.status === 'assigned' ? state.gateways : []);
