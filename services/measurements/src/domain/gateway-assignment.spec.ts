import { describe, expect, it } from 'vitest';
import { IllegalStateError, type CommandMetadata } from '@varde/core';
import { deciderSpec } from '@varde/event-sourcing';
import { gatewayAssignmentDecider, type AssignGateway, type RevokeGateway } from './gateway-assignment.decide';
import { isGatewayAssigned, type GatewayAssigned, type GatewayRevoked } from './gateway-assignment.events';

const metadata: CommandMetadata = { commandId: 'c-1', correlationId: 'c-1', actor: { subject: 'nurse-1', role: 'clinician' }, now: '2026-11-22T08:00:00.000Z' };
const assign = (gatewayId = 'gw-1'): AssignGateway => ({ type: 'AssignGateway', data: { patientId: 'p-1', gatewayId }, metadata });
const revoke = (gatewayId = 'gw-1'): RevokeGateway => ({ type: 'RevokeGateway', data: { patientId: 'p-1', gatewayId }, metadata });
const assigned = (gatewayId = 'gw-1'): GatewayAssigned => ({ type: 'GatewayAssigned', data: { patientId: 'p-1', gatewayId } });
const revoked = (gatewayId = 'gw-1'): GatewayRevoked => ({ type: 'GatewayRevoked', data: { patientId: 'p-1', gatewayId } });
const spec = deciderSpec(gatewayAssignmentDecider);
const stateAfter = (events: (GatewayAssigned | GatewayRevoked)[]) => events.reduce(gatewayAssignmentDecider.evolve, gatewayAssignmentDecider.initialState());

describe('gateway assignment, when no gateway is assigned', () => {
  it('assigns the gateway', () => {
    spec.given([]).when(assign()).then([assigned()]);
  });

  it('refuses to revoke a gateway that is not assigned', () => {
    spec.given([]).when(revoke()).thenThrows(IllegalStateError, (e) => expect(e.message).toContain('gw-1 is not assigned'));
  });

  it('refuses to revoke again after the last gateway was revoked', () => {
    spec.given([assigned(), revoked()]).when(revoke()).thenThrows(IllegalStateError);
  });
});

describe('gateway assignment, when gateways are assigned', () => {
  it('changes nothing when the same gateway is assigned again', () => {
    spec.given([assigned()]).when(assign()).thenNothing();
  });

  it('assigns a second gateway beside the first', () => {
    spec.given([assigned()]).when(assign('gw-2')).then([assigned('gw-2')]);
    expect(stateAfter([assigned(), assigned('gw-2')])).toEqual({ status: 'assigned', gateways: ['gw-1', 'gw-2'] });
  });

  it('revokes one gateway and leaves the others', () => {
    spec.given([assigned(), assigned('gw-2')]).when(revoke()).then([revoked()]);
    const state = stateAfter([assigned(), assigned('gw-2'), revoked()]);
    expect(isGatewayAssigned(state, 'gw-1')).toBe(false);
    expect(isGatewayAssigned(state, 'gw-2')).toBe(true);
  });

  it('lets a revoked gateway be assigned again', () => {
    spec.given([assigned(), revoked()]).when(assign()).then([assigned()]);
  });
});
