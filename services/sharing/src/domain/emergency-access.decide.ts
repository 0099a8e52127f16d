import { type Decider, type DomainCommand } from '@varde/core';
import { evolveEmergencyAccess, initialEmergencyAccessState, type EmergencyAccessEvent, type EmergencyAccessGrant, type EmergencyAccessState } from './emergency-access.events';

/** Open an emergency access for `minutes` from the command's `now`. */
export type OpenEmergencyAccess = DomainCommand<'OpenEmergencyAccess', Omit<EmergencyAccessGrant, 'openedAt' | 'expiresAt'> & Readonly<{ minutes: number }>>;

/** Every command of the emergency-access decider. */
export type EmergencyAccessCommand = OpenEmergencyAccess;

/** Opens an emergency access once (a retried command finds its event); it lasts `minutes` from now and then ends by itself. */
export function decideEmergencyAccess(command: EmergencyAccessCommand, state: EmergencyAccessState): EmergencyAccessEvent[] {
  switch (command.type) {
    case 'OpenEmergencyAccess': {
      if (state.status === 'open') return [];
      const { minutes, ...grant } = command.data;
      const openedAt = command.metadata.now;
      return [{ type: 'EmergencyAccessOpened', data: { ...grant, openedAt, expiresAt: new Date(Date.parse(openedAt) + minutes * 60_000).toISOString() } }];
    }
    default: {
      const _exhaustive: never = command.type;
      return [];
    }
  }
}

/** The emergency-access decider. */
export const emergencyAccessDecider: Decider<EmergencyAccessCommand, EmergencyAccessState, EmergencyAccessEvent> = {
  decide: decideEmergencyAccess,
  evolve: evolveEmergencyAccess,
  initialState: initialEmergencyAccessState,
};
