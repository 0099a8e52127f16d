import { IllegalStateError, type Decider, type DomainCommand } from '@varde/core';
import { evolveGatewayAssignment, initialGatewayAssignmentState, isGatewayAssigned, type GatewayAssignmentEvent, type GatewayAssignmentState } from './gateway-assignment.events';

/** Allow a device gateway to submit measurements for a patient. */
export type AssignGateway = DomainCommand<'AssignGateway', { patientId: string; gatewayId: string }>;

/** Withdraw a device gateway's permission to submit for a patient. */
export type RevokeGateway = DomainCommand<'RevokeGateway', { patientId: string; gatewayId: string }>;

/** Every command of the gateway-assignment decider. */
export type GatewayAssignmentCommand = AssignGateway | RevokeGateway;

/** Assigning an assigned gateway changes nothing; revoking one that is not assigned is refused (nothing to undo). */
export function decideGatewayAssignment(command: GatewayAssignmentCommand, state: GatewayAssignmentState): GatewayAssignmentEvent[] {
  const { patientId, gatewayId } = command.data;
  switch (command.type) {
    case 'AssignGateway':
      return isGatewayAssigned(state, gatewayId) ? [] : [{ type: 'GatewayAssigned', data: { patientId, gatewayId } }];
    case 'RevokeGateway':
      if (!isGatewayAssigned(state, gatewayId)) throw new IllegalStateError(`gateway ${gatewayId} is not assigned to this patient; nothing to revoke`, 'gatewayId');
      return [{ type: 'GatewayRevoked', data: { patientId, gatewayId } }];
    default: {
      const _exhaustive: never = command;
      return [];
    }
  }
}

/** The gateway-assignment decider (one stream per patient). */
export const gatewayAssignmentDecider: Decider<GatewayAssignmentCommand, GatewayAssignmentState, GatewayAssignmentEvent> = {
  decide: decideGatewayAssignment,
  evolve: evolveGatewayAssignment,
  initialState: initialGatewayAssignmentState,
};
