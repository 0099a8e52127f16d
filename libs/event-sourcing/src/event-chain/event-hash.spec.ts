import { describe, expect, it } from 'vitest';
import { eventHash, GENESIS_HASH, type ChainedEvent } from './event-hash';

const event: ChainedEvent = {
  streamId: 'measurement-1',
  streamPosition: '1',
  globalPosition: '42',
  transactionId: '777',
  messageId: 'm-1',
  messageType: 'MeasurementRecorded',
  schemaVersion: '1',
  data: '{"value": 97, "note": "Måling \\"ok\\""}',
  metadata: '{}',
  createdMicros: '1765094400000000',
};

// Chains sealed by earlier releases are checked with this function: its value for an event may never change.
describe('eventHash', () => {
  it('is the SHA-256 every earlier release computed for the same event after the genesis hash', () => {
    expect(eventHash(GENESIS_HASH, event)).toBe('6e729a5cd4489b93895e5a87eb24f834661eaf95340e6262078fba61b946a328');
  });

  it('changes with any column and with the hash before it', () => {
    expect(eventHash(GENESIS_HASH, { ...event, data: '{"value": 98, "note": "Måling \\"ok\\""}' })).not.toBe(eventHash(GENESIS_HASH, event));
    expect(eventHash('1'.repeat(64), event)).not.toBe(eventHash(GENESIS_HASH, event));
  });
});
