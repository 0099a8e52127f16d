import { describe, it } from 'vitest';
import type { CommandMetadata } from '@varde/core';
import { deciderSpec } from '@varde/event-sourcing';
import { windowAggregateDecider, type AggregateWindow } from './window-aggregate.decide';
import type { MeasurementWindowAggregated } from './window-aggregate.events';

const metadata: CommandMetadata = { commandId: 'c-1', correlationId: 'c-1', actor: { subject: 'varde-measurements', role: 'system' }, now: '2026-11-22T08:05:10.000Z' };
const aggregate = {
  patientId: 'p-1',
  code: { system: 'http://loinc.org', code: '59408-5', display: 'Oxygen saturation' },
  unit: '%',
  windowStart: '2026-11-22T08:00:00.000Z',
  windowEnd: '2026-11-22T08:05:00.000Z',
  sampleCount: 300,
  gapCount: 0,
  min: 86,
  max: 97,
  mean: 93.1,
  coveredMs: 300_000,
  threshold: 90,
  timeBelowThresholdMs: 12_000,
};
const aggregateWindow = (chunkIds: string[], closed = true): AggregateWindow => ({ type: 'AggregateWindow', data: { ...aggregate, chunkIds, closed }, metadata });
const published = (chunkIds: string[], revision = 1): MeasurementWindowAggregated => ({ type: 'MeasurementWindowAggregated', data: { ...aggregate, chunkIds, revision } });
const spec = deciderSpec(windowAggregateDecider);

describe('window aggregate, when not published yet', () => {
  it('waits while the window is still open', () => {
    spec.given([]).when(aggregateWindow(['a'], false)).thenNothing();
  });

  it('publishes revision 1 once a chunk reaches the end of the window', () => {
    spec.given([]).when(aggregateWindow(['a', 'b'])).then([published(['a', 'b'])]);
  });
});

describe('window aggregate, when published', () => {
  it('publishes the next revision when a late chunk adds to the window', () => {
    spec.given([published(['b'])]).when(aggregateWindow(['a', 'b'], false)).then([published(['a', 'b'], 2)]);
  });

  it('changes nothing for a computation without new chunks (a resend, or an older snapshot)', () => {
    spec.given([published(['a', 'b'])]).when(aggregateWindow(['a', 'b'])).thenNothing();
    spec.given([published(['a', 'b'])]).when(aggregateWindow(['b'])).thenNothing();
  });
});
