import type { DomainEvent } from '@varde/core';

/** A clinician allowed a device gateway (a `system` client, by its token subject) to submit for a patient. */
export type GatewayAssigned = DomainEvent<'GatewayAssigned', { patientId: string; gatewayId: string }>;

/** A clinician withdrew a gateway's permission to submit for a patient. */
export type GatewayRevoked = DomainEvent<'GatewayRevoked', { patientId: string; gatewayId: string }>;

/** Every event of a patient's gateway-assignment stream. */
export type GatewayAssignmentEvent = GatewayAssigned | GatewayRevoked;

/** The gateways a patient is assigned to, folded from their events. */
export type GatewayAssignmentState = { status: 'unassigned' } | { status: 'assigned'; gateways: readonly string[] };

/** The state before any event: no gateway may submit. */
export const initialGatewayAssignmentState = (): GatewayAssignmentState => ({ status: 'unassigned' });

/** Applies one event to the state. */
export function evolveGatewayAssignment(state: GatewayAssignmentState, event: GatewayAssignmentEvent): GatewayAssignmentState {
  const gateways = state.status === 'assigned' ? state.gateways : [];
  switch (event.type) {
    case 'GatewayAssigned':
      return gateways.includes(event.data.gatewayId) ? state : { status: 'assigned', gateways: [...gateways, event.data.gatewayId] };
    case 'GatewayRevoked': {
      const left = gateways.filter((g) => g !== event.data.gatewayId);
      return left.length > 0 ? { status: 'assigned', gateways: left } : { status: 'unassigned' };
    }
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}

/** Whether the gateway may submit for the patient whose state this is. */
export const isGatewayAssigned = (state: GatewayAssignmentState, gatewayId: string): boolean => state.status === 'assigned' && state.gateways.includes(gatewayId);

/** The one name of a patient's gateway-assignment stream. */
export const gatewayAssignmentStreamId = (patientId: string): string => `gateway-assignments-${patientId}`;
