import { type Decider, type DomainCommand, type FieldDifference, type FieldIssue, IllegalStateError, measurementTypeOf, ResentWithOtherContentError, ValidationError } from '@varde/core';
import { chunkContent, contentDifferences } from './reading-content';
import { impossibility } from './measurement-plausibility';
import { evolveSampleChunk, initialSampleChunkState, type MeasurementStreamChunkRecorded, type SampleChunkEvent, type SampleChunkState } from './sample-chunk.events';
import { formatSamples, isGap, type Sample } from './sampled-data';

/** Record one chunk of samples, already in the canonical unit (the application owns the UCUM library); `receivedTime` is `now`. */
export type RecordSampleChunk = DomainCommand<
  'RecordSampleChunk',
  Omit<MeasurementStreamChunkRecorded['data'], 'receivedTime' | 'code' | 'data' | 'sampleCount' | 'end'> & { code: Readonly<{ system: string; code: string }>; samples: readonly Sample[] }
>;

/** Every command of the chunk decider. */
export type SampleChunkCommand = RecordSampleChunk;

// Enough to locate the problem; a chunk of 86 400 bad samples would otherwise answer with 86 400 issues.
const MAX_SAMPLE_ISSUES = 10;
const SAMPLES = 'samples';

/**
 * Records a chunk: every sample a possible value of its code in the canonical unit (an impossible one is refused
 * naming its index; E/L/U are stored as gaps). A chunk id seen before with the same content changes nothing;
 * with other content, or for another patient, it is refused.
 */
export function decideSampleChunk(command: SampleChunkCommand, state: SampleChunkState): SampleChunkEvent[] {
  switch (command.type) {
    case 'RecordSampleChunk': {
      const { code, samples, ...rest } = command.data;
      const data = formatSamples(samples);
      if (state.status === 'recorded') {
        if (state.patientId !== rest.patientId) throw new IllegalStateError('this identifier is already used by a chunk of another patient', 'identifier');
        const differences = differingFields(state, { ...rest, code, data });
        if (differences.length === 0) return [];
        throw new ResentWithOtherContentError('identifier', differences, 'chunk');
      }
      const type = measurementTypeOf(code.system, code.code, rest.unit);
      if (!type) throw ValidationError.field('code', `${code.system}|${code.code} is not a measurement type Varde records`);
      if (type.components) throw ValidationError.field('code', `${type.display} has components; stream its parts (e.g. 8480-6) as separate chunks`);
      if (rest.unit !== type.canonicalUnit) throw ValidationError.field('samples.unit', `expected the canonical unit "${type.canonicalUnit}"`);
      const issues: FieldIssue[] = [];
      let impossible = 0;
      samples.forEach((sample, i) => {
        const why = isGap(sample) ? undefined : impossibility(type, sample);
        if (why && ++impossible <= MAX_SAMPLE_ISSUES) issues.push({ field: SAMPLES, message: `sample ${i} is ${sample} ${type.canonicalUnit}; ${why}` });
      });
      if (impossible > MAX_SAMPLE_ISSUES) issues.push({ field: SAMPLES, message: `and ${impossible - MAX_SAMPLE_ISSUES} more impossible samples` });
      if (issues.length > 0) throw new ValidationError(issues);
      const start = Date.parse(rest.start);
      return [
        {
          type: 'MeasurementStreamChunkRecorded',
          data: {
            ...rest,
            code: { system: code.system, code: code.code, display: type.display },
            end: new Date(start + samples.length * rest.periodMs).toISOString(),
            sampleCount: samples.length,
            data,
            receivedTime: command.metadata.now,
          },
        },
      ];
    }
    default: {
      const _exhaustive: never = command.type;
      return [];
    }
  }
}

/** The chunk decider (one stream per chunk). */
export const sampleChunkDecider: Decider<SampleChunkCommand, SampleChunkState, SampleChunkEvent> = {
  decide: decideSampleChunk,
  evolve: evolveSampleChunk,
  initialState: initialSampleChunkState,
};

type Comparable = Omit<RecordSampleChunk['data'], 'samples'> & { data: string };

/** The fields in which a resend differs from the recorded chunk (its content, see chunkContent); samples are not quoted. */
function differingFields(recorded: MeasurementStreamChunkRecorded['data'], resend: Comparable): FieldDifference[] {
  const differences = contentDifferences(chunkContent(recorded), chunkContent(resend));
  return recorded.data === resend.data ? differences : [...differences, { field: SAMPLES, change: 'other samples' }];
}
