import { streamFoldProjection, type RebuildableProjection } from '@varde/event-sourcing';
import type pg from 'pg';
import { consentStreamId, evolveConsent, initialConsentState, type ConsentEvent, type ConsentState } from '../domain/consent.events';
import { emergencyAccessStreamId, evolveEmergencyAccess, initialEmergencyAccessState, type EmergencyAccessEvent, type EmergencyAccessState } from '../domain/emergency-access.events';
import { evolveGuardianship, guardianshipStreamId, initialGuardianshipState, type GuardianshipEvent, type GuardianshipState } from '../domain/guardianship.events';
import { PostgresConsents } from './consents.read-model';
import { PostgresEmergencyAccesses } from './emergency-accesses.read-model';
import { PostgresGuardianships } from './guardianships.read-model';

/**
 * Sharing's read models of its own streams that `npm run rebuild -- --service sharing --projection <name>` drops and
 * rebuilds from the event log: each consent, emergency access and guardianship folded to what the live handler
 * writes in the transaction of its last command. (The access log, the patient statuses and the audit timeline are
 * fed by other services' Kafka events, not rebuilt from this log.)
 */
export function sharingProjections(pool: pg.Pool): Readonly<Record<string, RebuildableProjection>> {
  const consents = new PostgresConsents(pool);
  const emergencies = new PostgresEmergencyAccesses(pool);
  const guardianships = new PostgresGuardianships(pool);
  return {
    consents: streamFoldProjection<ConsentState, ConsentEvent>({
      tables: ['consents'],
      streamPrefix: consentStreamId(''),
      initialState: initialConsentState,
      evolve: evolveConsent,
      write: async (tx, streams) => {
        for (const { state, lastRecordedAt } of streams) if (state.status === 'recorded') await consents.apply(tx, state.current, lastRecordedAt);
      },
    }),
    'emergency-accesses': streamFoldProjection<EmergencyAccessState, EmergencyAccessEvent>({
      tables: ['emergency_access'],
      streamPrefix: emergencyAccessStreamId(''),
      initialState: initialEmergencyAccessState,
      evolve: evolveEmergencyAccess,
      write: async (tx, streams) => {
        for (const { state } of streams) if (state.status === 'open') await emergencies.apply(tx, state.grant);
      },
    }),
    guardianships: streamFoldProjection<GuardianshipState, GuardianshipEvent>({
      tables: ['guardianships'],
      streamPrefix: guardianshipStreamId(''),
      initialState: initialGuardianshipState,
      evolve: evolveGuardianship,
      write: async (tx, streams) => {
        for (const { state } of streams) if (state.status === 'registered') await guardianships.apply(tx, state.guardianship);
      },
    }),
  };
}
