import { describe, expect, it } from 'vitest';
import { chunkIdOf, type SampleChunkInput } from './record-sample-chunk.handler';

// Unidentified chunks are stored under a hash of their content and samples: the ids below are those of chunks
// already recorded, so a resend must keep landing on them. These literals were produced by the code before the
// chunk's content list was defined once; they must never change.
const chunk: SampleChunkInput = {
  patientId: '3f6b1c9e-2a4d-4e8f-9b1a-7c5d2e0f4a61',
  observationStatus: 'final',
  code: { system: 'http://loinc.org', code: '8867-4' },
  unit: '/min',
  start: '2026-11-22T08:00:00.000Z',
  periodMs: 1000,
  original: { unit: '/min', origin: 0 },
  provenance: { method: 'device', deviceId: 'Device/watch-1', device: { serial: 'W-77' } },
  samples: [61, 62, 'E', 64],
};

describe('chunkIdOf, for a chunk without an identifier', () => {
  it('is the id its content and samples always had', () => {
    expect(chunkIdOf(chunk)).toBe('a710694a-7c5e-588b-9a3e-b80fd4c86381');
  });
  it('is the id its content always had without device details', () => {
    expect(chunkIdOf({ ...chunk, provenance: { method: 'patient' }, samples: [70] })).toBe('dd952fd6-ffb5-5b4c-aedd-83f99e29d532');
  });
});
