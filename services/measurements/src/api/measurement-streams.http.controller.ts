import { Controller, Get, Headers, Inject, Param, Query } from '@nestjs/common';
import { Access, CurrentPrincipal, type Principal, Roles } from '@varde/auth';
import { LOINC, measurementTypeOf, ValidationError } from '@varde/core';
import { commandMetadataFrom, type MetadataHeaders } from '@varde/platform';
import { MeasurementReader } from '../application/measurement.reader';
import { STREAM_SETTINGS, type StreamSettings } from '../application/stream-settings';
import { aggregateWindows, isGap, type GapMarker } from '../domain/sampled-data';
import { codeParam, instantParam, onlyParams, patientParam, type RawQuery } from './measurement-query.params';

/** More samples than this in one answer is refused: ask for a shorter range (a day of 1 Hz fits). */
const MAX_SAMPLES = 100_000;
/** More windows than this in one answer is refused: ask for a shorter range or longer windows. */
const MAX_WINDOWS = 10_000;
/** Aggregates are computed from the samples on request; a longer range would read too many of them at once. */
const MAX_AGGREGATE_RANGE_MS = 31 * 24 * 3_600_000;

/** One sample, shaped for plotting: time, value in the canonical unit, or `v: null` with the gap marker. */
export type SamplePoint = Readonly<{ t: string; v: number } | { t: string; v: null; gap: GapMarker }>;

type Range = Readonly<{ patientId: string; code: { system: string; code: string }; from: number; to: number }>;

/** Continuous streams of one patient: raw samples and per-window aggregates over a time range, for charts. */
@Controller('api/patients/:patientId/measurements/streams')
export class MeasurementStreamsHttpController {
  constructor(
    @Inject(MeasurementReader) private readonly reader: MeasurementReader,
    @Inject(STREAM_SETTINGS) private readonly settings: StreamSettings,
  ) {}

  /**
   * `GET …/streams/samples?code=59408-5&from=&to=` → `{ code, unit, from, to, chunks: [id], samples: [{ t, v }] }`:
   * every sample taken in [from, to), canonical unit, in time order; gaps as `{ t, v: null, gap: "E" | "L" | "U" }`.
   */
  @Get('samples')
  @Roles('patient', 'guardian', 'clinician', 'auditor')
  @Access('measurements', 'read', { patient: { param: 'patientId' } })
  async samples(@Param('patientId') patient: string, @Query() query: RawQuery, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal) {
    onlyParams(query, ['code', 'from', 'to']);
    const range = rangeOf(patient, query);
    const chunks = await this.reader.streamChunks({ patientId: range.patientId, ...range.code }, range.from, range.to, resourceOf('samples', range), { principal, request: commandMetadataFrom(principal, headers) });
    const samples: SamplePoint[] = [];
    for (const chunk of chunks) {
      for (let i = Math.max(0, Math.ceil((range.from - chunk.start) / chunk.periodMs)); i < chunk.samples.length; i++) {
        const t = chunk.start + i * chunk.periodMs;
        if (t < range.from) continue;
        if (t >= range.to) break;
        if (samples.length >= MAX_SAMPLES) throw ValidationError.field('from', `more than ${MAX_SAMPLES} samples; ask for a shorter range with from and to`);
        const sample = chunk.samples[i]!;
        samples.push(isGap(sample) ? { t: new Date(t).toISOString(), v: null, gap: sample } : { t: new Date(t).toISOString(), v: sample });
      }
    }
    samples.sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
    return { ...headOf(range, chunks[0]?.unit), chunks: chunks.map((c) => c.chunkId), samples };
  }

  /**
   * `GET …/streams/aggregates?code=59408-5&from=&to=&window=300` → `{ code, unit, from, to, windowSeconds, threshold?, windows: [...] }`,
   * one entry per epoch-aligned window with samples: `{ start, end, sampleCount, gapCount, min, max, mean, coveredMs,
   * timeBelowThresholdMs, chunkIds }`, computed from the stored samples (the same as the published aggregates).
   */
  @Get('aggregates')
  @Roles('patient', 'guardian', 'clinician', 'auditor')
  @Access('measurements', 'read', { patient: { param: 'patientId' } })
  async aggregates(@Param('patientId') patient: string, @Query() query: RawQuery, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal) {
    onlyParams(query, ['code', 'from', 'to', 'window']);
    const range = rangeOf(patient, query);
    const windowText = (query['window'] as string | undefined) ?? String(this.settings.windowMs / 1000);
    const windowSeconds = /^\d{1,6}$/.test(windowText) ? Number(windowText) : NaN;
    if (!(windowSeconds >= 1 && windowSeconds <= 86_400)) throw ValidationError.field('window', 'expected the window length in whole seconds, from 1 to 86400');
    if (range.to - range.from > MAX_AGGREGATE_RANGE_MS) throw ValidationError.field('from', 'at most 31 days per request; ask for a shorter range');
    if ((range.to - range.from) / (windowSeconds * 1000) > MAX_WINDOWS) throw ValidationError.field('window', `more than ${MAX_WINDOWS} windows; ask for longer windows or a shorter range`);
    const chunks = await this.reader.streamChunks({ patientId: range.patientId, ...range.code }, range.from, range.to, resourceOf('aggregates', range), { principal, request: commandMetadataFrom(principal, headers) });
    const threshold = this.settings.thresholds.get(range.code.code);
    const windows = aggregateWindows(chunks, windowSeconds * 1000, range.from, range.to, threshold).map(({ start, end, ...w }) => ({ start: new Date(start).toISOString(), end: new Date(end).toISOString(), ...w }));
    return { ...headOf(range, chunks[0]?.unit), windowSeconds, ...(threshold !== undefined ? { threshold } : {}), windows };
  }
}

/** Patient, code (a bare code is LOINC) and the required range [from, to). */
function rangeOf(patient: string, query: RawQuery): Range {
  const patientId = patientParam(patient, 'patientId');
  const requested = codeParam((query['code'] as string | undefined) ?? '', 'code')!;
  for (const name of ['from', 'to']) if (query[name] === undefined) throw ValidationError.field(name, 'required: an ISO 8601 date-time with time zone');
  const from = Date.parse(instantParam(query['from'] as string, 'from'));
  const to = Date.parse(instantParam(query['to'] as string, 'to'));
  if (from >= to) throw ValidationError.field('from', 'must be before to');
  return { patientId, code: { system: requested.system ?? LOINC, code: requested.code }, from, to };
}

const headOf = (range: Range, unit: string | undefined) => ({
  code: `${range.code.system}|${range.code.code}`,
  unit: unit ?? measurementTypeOf(range.code.system, range.code.code)?.canonicalUnit ?? '',
  from: new Date(range.from).toISOString(),
  to: new Date(range.to).toISOString(),
});

const resourceOf = (what: string, range: Range): string =>
  `patients/${range.patientId}/measurements/streams/${what}?code=${range.code.system}|${range.code.code}&from=${new Date(range.from).toISOString()}&to=${new Date(range.to).toISOString()}`;
