import { describe, expect, it } from 'vitest';
import { IllegalStateError, ResentWithOtherContentError, ValidationError, type CommandMetadata } from '@varde/core';
import { deciderSpec } from '@varde/event-sourcing';
import { sampleChunkDecider, type RecordSampleChunk } from './sample-chunk.decide';
import type { MeasurementStreamChunkRecorded } from './sample-chunk.events';

const metadata: CommandMetadata = { commandId: 'c-1', correlationId: 'c-1', actor: { subject: 'gw-1', role: 'system' }, now: '2026-11-22T08:01:05.000Z' };
const record = (overrides: Partial<RecordSampleChunk['data']> = {}): RecordSampleChunk => ({
  type: 'RecordSampleChunk',
  data: {
    chunkId: 'k-1',
    patientId: 'p-1',
    observationStatus: 'final',
    code: { system: 'http://loinc.org', code: '59408-5' },
    unit: '%',
    start: '2026-11-22T08:00:00.000Z',
    periodMs: 1000,
    samples: [95, 94, 'E', 89],
    original: { unit: '%', origin: 0 },
    provenance: { method: 'device', gateway: 'gw-1' },
    ...overrides,
  },
  metadata,
});
const recorded: MeasurementStreamChunkRecorded = {
  type: 'MeasurementStreamChunkRecorded',
  data: {
    chunkId: 'k-1',
    patientId: 'p-1',
    observationStatus: 'final',
    code: { system: 'http://loinc.org', code: '59408-5', display: 'Oxygen saturation' },
    unit: '%',
    start: '2026-11-22T08:00:00.000Z',
    end: '2026-11-22T08:00:04.000Z',
    periodMs: 1000,
    sampleCount: 4,
    data: '95 94 E 89',
    original: { unit: '%', origin: 0 },
    provenance: { method: 'device', gateway: 'gw-1' },
    receivedTime: metadata.now,
  },
};
const spec = deciderSpec(sampleChunkDecider);

describe('stream chunk, when nothing was recorded', () => {
  it('records all samples as one event, gaps kept, with the end after the last sample', () => {
    spec.given([]).when(record()).then([recorded]);
  });

  it('refuses an impossible sample, naming its index, and reports at most ten', () => {
    spec.given([]).when(record({ samples: [95, 101, 96] })).thenThrows(ValidationError, (e) => {
      expect(e.issues).toEqual([{ field: 'samples', message: 'sample 1 is 101 %; Oxygen saturation must be from 0 to 100 %' }]);
    });
    spec.given([]).when(record({ code: { system: 'http://loinc.org', code: '8867-4' }, unit: '/min', samples: Array.from({ length: 25 }, () => 0) })).thenThrows(ValidationError, (e) => {
      expect(e.issues).toHaveLength(11);
      expect(e.issues[10]!.message).toBe('and 15 more impossible samples');
    });
  });

  it('refuses samples not in the canonical unit of the code', () => {
    spec.given([]).when(record({ unit: '1' })).thenThrows(ValidationError, (e) => expect(e.message).toContain('"%"'));
  });

  it('refuses the blood pressure panel, whose parts are streamed on their own', () => {
    spec.given([]).when(record({ code: { system: 'http://loinc.org', code: '85354-9' }, unit: 'mm[Hg]' })).thenThrows(ValidationError, (e) => expect(e.message).toContain('components'));
  });
});

describe('stream chunk, when it was recorded', () => {
  it('changes nothing when the same chunk is sent again', () => {
    spec.given([recorded]).when(record()).thenNothing();
  });

  it('refuses the same identifier with other samples or another start', () => {
    spec.given([recorded]).when(record({ samples: [95, 94, 'E', 90], start: '2026-11-22T08:00:01.000Z' })).thenThrows(ResentWithOtherContentError, (e) => {
      expect(e.differences.map((d) => d.field)).toEqual(['start', 'samples']);
      expect(e.message).toContain('samples: other samples');
    });
  });

  it('compares a resend on every field its content id is made of: another device serial differs too', () => {
    spec.given([recorded]).when(record({ provenance: { method: 'device', gateway: 'gw-1', device: { serial: 'W-2' } } })).thenThrows(ResentWithOtherContentError, (e) => expect(e.differences).toEqual([{ field: 'device.serial', change: '"" → "W-2"' }]));
  });

  it('refuses the same identifier for another patient', () => {
    spec.given([recorded]).when(record({ patientId: 'p-2' })).thenThrows(IllegalStateError, (e) => expect(e.message).toContain('another patient'));
  });
});
