/** How continuous streams are handled, from the service's config (see loadMeasurementsConfig). */
export type StreamSettings = Readonly<{
  /** Length of the aggregate windows, in ms (MEASUREMENT_STREAM_WINDOW_SECONDS). */
  windowMs: number;
  /** Per LOINC code, the value below which samples count as time below threshold (MEASUREMENT_STREAM_THRESHOLDS). */
  thresholds: ReadonlyMap<string, number>;
  /** Most samples one chunk may carry (MEASUREMENT_STREAM_MAX_SAMPLES). */
  maxSamples: number;
  /** Longest time one chunk may span, in ms (MEASUREMENT_STREAM_MAX_CHUNK_SECONDS). */
  maxChunkMs: number;
}>;

/** DI token of the {@link StreamSettings}. */
export const STREAM_SETTINGS = Symbol('STREAM_SETTINGS');

/**
 * Parses `MEASUREMENT_STREAM_THRESHOLDS`, e.g. `59408-5<90,2708-6<90,8867-4<40`: code, `<`, value in the
 * code's canonical unit. Throws naming the entry that does not parse.
 */
export function parseThresholds(text: string): Map<string, number> {
  const thresholds = new Map<string, number>();
  for (const entry of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const match = /^(\d{1,7}-\d)<(-?\d+(\.\d+)?)$/.exec(entry);
    if (!match) throw new Error(`MEASUREMENT_STREAM_THRESHOLDS: "${entry}" is not <LOINC code>< <value>, e.g. 59408-5<90`);
    thresholds.set(match[1]!, Number(match[2]));
  }
  return thresholds;
}
