/** A gap in a stream as FHIR SampledData marks it: E (error, no value), L (below the lower limit), U (above the upper limit). */
export type GapMarker = 'E' | 'L' | 'U';

/** One sample of a stream: a value, or a gap. */
export type Sample = number | GapMarker;

// FHIR decimal: optional sign, digits, optional fraction and exponent (no NaN, no Infinity, no hex).
const DECIMAL = /^[-+]?\d+(\.\d+)?([eE][-+]?\d+)?$/;

/** True for the gap markers E, L and U. */
export const isGap = (sample: Sample): sample is GapMarker => typeof sample !== 'number';

/** The samples of a SampledData `data` string, or the first token (0-based index) that is neither a finite decimal nor E/L/U. */
export function parseSamples(data: string): { samples: Sample[] } | { badIndex: number; token: string } {
  const tokens = data.trim() === '' ? [] : data.trim().split(/\s+/);
  const samples: Sample[] = new Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token === 'E' || token === 'L' || token === 'U') samples[i] = token;
    else {
      const value = DECIMAL.test(token) ? Number(token) : NaN;
      if (!Number.isFinite(value)) return { badIndex: i, token };
      samples[i] = value === 0 ? 0 : value;
    }
  }
  return { samples };
}

/** Samples as a SampledData `data` string: decimals and markers separated by single spaces. */
export const formatSamples = (samples: readonly Sample[]): string => samples.join(' ');

/** Samples of one chunk placed in time: sample i was taken at `start + i * periodMs` (epoch ms). */
export type TimedSamples = Readonly<{ chunkId: string; start: number; periodMs: number; samples: readonly Sample[] }>;

/** What one window of a stream holds: valid samples summarised, gaps counted, time covered and time below a threshold. */
export type WindowAggregate = Readonly<{
  start: number;
  end: number;
  sampleCount: number;
  gapCount: number;
  min: number;
  max: number;
  mean: number;
  coveredMs: number;
  timeBelowThresholdMs: number;
  chunkIds: readonly string[];
}>;

type Accumulator = { sampleCount: number; gapCount: number; min: number; max: number; sum: number; coveredMs: number; below: number; chunkIds: Set<string> };

/**
 * Aggregates samples into fixed windows of `windowMs` aligned to the epoch (UTC), keeping only samples taken in
 * [from, to). A sample belongs to the window its timestamp falls in and covers its period; samples strictly below
 * `threshold` count `periodMs` each as time below. Windows without any sample are left out; ordered by start.
 */
export function aggregateWindows(chunks: readonly TimedSamples[], windowMs: number, from: number, to: number, threshold?: number): WindowAggregate[] {
  const windows = new Map<number, Accumulator>();
  for (const chunk of chunks) {
    const first = Math.max(0, Math.ceil((from - chunk.start) / chunk.periodMs));
    for (let i = first; i < chunk.samples.length; i++) {
      const t = chunk.start + i * chunk.periodMs;
      if (t < from) continue;
      if (t >= to) break;
      const key = Math.floor(t / windowMs) * windowMs;
      let w = windows.get(key);
      if (!w) windows.set(key, (w = { sampleCount: 0, gapCount: 0, min: Infinity, max: -Infinity, sum: 0, coveredMs: 0, below: 0, chunkIds: new Set() }));
      const sample = chunk.samples[i]!;
      w.chunkIds.add(chunk.chunkId);
      w.coveredMs += chunk.periodMs;
      if (isGap(sample)) {
        w.gapCount++;
        continue;
      }
      w.sampleCount++;
      w.sum += sample;
      if (sample < w.min) w.min = sample;
      if (sample > w.max) w.max = sample;
      if (threshold !== undefined && sample < threshold) w.below += chunk.periodMs;
    }
  }
  return [...windows.entries()]
    .sort(([a], [b]) => a - b)
    .map(([start, w]) => {
      const valid = w.sampleCount > 0;
      // Clamped: a float sum divided back can land a hair outside [min, max] (0.1 + 0.1 + 0.1).
      const mean = valid ? Math.min(w.max, Math.max(w.min, w.sum / w.sampleCount)) : 0;
      return {
        start,
        end: start + windowMs,
        sampleCount: w.sampleCount,
        gapCount: w.gapCount,
        min: valid ? w.min : 0,
        max: valid ? w.max : 0,
        mean,
        coveredMs: w.coveredMs,
        timeBelowThresholdMs: w.below,
        chunkIds: [...w.chunkIds].sort(),
      };
    });
}

/** Starts of the epoch-aligned windows of `windowMs` in which a chunk has samples. */
export function windowStartsOf(chunk: Omit<TimedSamples, 'chunkId' | 'samples'> & { sampleCount: number }, windowMs: number): number[] {
  if (chunk.sampleCount === 0) return [];
  const first = Math.floor(chunk.start / windowMs) * windowMs;
  const last = Math.floor((chunk.start + (chunk.sampleCount - 1) * chunk.periodMs) / windowMs) * windowMs;
  const starts: number[] = [];
  for (let s = first; s <= last; s += windowMs) starts.push(s);
  return starts;
}
