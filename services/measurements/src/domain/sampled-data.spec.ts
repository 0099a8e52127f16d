import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aggregateWindows, formatSamples, isGap, parseSamples, windowStartsOf, type Sample, type TimedSamples } from './sampled-data';

const sample: fc.Arbitrary<Sample> = fc.oneof(
  { weight: 8, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }).map((v) => (Object.is(v, -0) ? 0 : v)) },
  { weight: 1, arbitrary: fc.constantFrom<Sample>('E', 'L', 'U') },
);
const chunk = (id: string): fc.Arbitrary<TimedSamples> =>
  fc.record({
    chunkId: fc.constant(id),
    start: fc.integer({ min: 0, max: 3_600_000 }),
    periodMs: fc.constantFrom(250, 1000, 1500, 60_000),
    samples: fc.array(sample, { maxLength: 400 }),
  });

describe('SampledData data strings', () => {
  it('reads decimals and E/L/U, and writes them back the same', () => {
    expect(parseSamples('93 94.5 E -1e2 L U 0')).toEqual({ samples: [93, 94.5, 'E', -100, 'L', 'U', 0] });
    fc.assert(fc.property(fc.array(sample, { maxLength: 200 }), (samples) => {
      expect(parseSamples(formatSamples(samples))).toEqual({ samples });
    }));
  });

  it.each([
    ['a word', '93 ninety 95', 1, 'ninety'],
    ['NaN', '93 NaN', 1, 'NaN'],
    ['Infinity', 'Infinity', 0, 'Infinity'],
    ['a number too large for a double', '93 1e309', 1, '1e309'],
    ['a hex number', '0x5d', 0, '0x5d'],
    ['a lower-case marker', '93 e', 1, 'e'],
  ])('names the first sample that is not a decimal or marker: %s', (_name, data, badIndex, token) => {
    expect(parseSamples(data)).toEqual({ badIndex, token });
  });
});

describe('window aggregates', () => {
  it('keeps the mean within [min, max] and counts every sample once', () => {
    fc.assert(
      fc.property(chunk('a'), chunk('b'), fc.constantFrom(60_000, 300_000), (a, b, windowMs) => {
        const windows = aggregateWindows([a, b], windowMs, 0, 10 * 3_600_000);
        for (const w of windows) {
          if (w.sampleCount > 0) {
            expect(w.mean).toBeGreaterThanOrEqual(w.min);
            expect(w.mean).toBeLessThanOrEqual(w.max);
          }
          expect(w.end - w.start).toBe(windowMs);
        }
        const total = windows.reduce((n, w) => n + w.sampleCount + w.gapCount, 0);
        expect(total).toBe(a.samples.length + b.samples.length);
      }),
    );
  });

  it('counts time below the threshold as the number of valid samples below it times their period', () => {
    fc.assert(
      fc.property(chunk('a'), fc.double({ min: -1e6, max: 1e6, noNaN: true }), (a, threshold) => {
        const windows = aggregateWindows([a], 300_000, 0, 10 * 3_600_000, threshold);
        const below = a.samples.filter((s) => !isGap(s) && s < threshold).length;
        expect(windows.reduce((ms, w) => ms + w.timeBelowThresholdMs, 0)).toBe(below * a.periodMs);
        expect(windows.reduce((ms, w) => ms + w.coveredMs, 0)).toBe(a.samples.length * a.periodMs);
      }),
    );
  });

  it('gives the same windows whether a stream arrives in one chunk or split across chunks', () => {
    fc.assert(
      fc.property(fc.array(sample, { minLength: 1, maxLength: 900 }), fc.integer({ min: 0, max: 900 }), (samples, cut) => {
        const split = Math.min(cut, samples.length);
        const whole = aggregateWindows([{ chunkId: 'x', start: 0, periodMs: 1000, samples }], 300_000, 0, 1e9, 90);
        const parts = aggregateWindows(
          [
            { chunkId: 'x', start: 0, periodMs: 1000, samples: samples.slice(0, split) },
            { chunkId: 'x', start: split * 1000, periodMs: 1000, samples: samples.slice(split) },
          ],
          300_000, 0, 1e9, 90,
        );
        expect(parts.map(({ mean, ...w }) => ({ ...w, mean: Number(mean.toPrecision(10)) }))).toEqual(whole.map(({ mean, ...w }) => ({ ...w, mean: Number(mean.toPrecision(10)) })));
      }),
    );
  });

  it('aggregates an SpO2 window spanning two chunks', () => {
    const a: TimedSamples = { chunkId: 'a', start: 0, periodMs: 1000, samples: [95, 96, 'E', 88] };
    const b: TimedSamples = { chunkId: 'b', start: 4000, periodMs: 1000, samples: [85, 97] };
    expect(aggregateWindows([a, b], 300_000, 0, 300_000, 90)).toEqual([
      { start: 0, end: 300_000, sampleCount: 5, gapCount: 1, min: 85, max: 97, mean: 92.2, coveredMs: 6000, timeBelowThresholdMs: 2000, chunkIds: ['a', 'b'] },
    ]);
  });

  it('leaves out samples outside [from, to) and lists the windows a chunk touches', () => {
    const a: TimedSamples = { chunkId: 'a', start: 290_000, periodMs: 5000, samples: [90, 91, 92, 93] };
    expect(aggregateWindows([a], 300_000, 300_000, 600_000).map((w) => [w.start, w.sampleCount])).toEqual([[300_000, 2]]);
    expect(windowStartsOf({ start: 290_000, periodMs: 5000, sampleCount: 4 }, 300_000)).toEqual([0, 300_000]);
    expect(windowStartsOf({ start: 0, periodMs: 1000, sampleCount: 300 }, 300_000)).toEqual([0]);
  });
});
