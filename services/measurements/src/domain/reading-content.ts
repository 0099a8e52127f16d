import { fieldDifferences, type FieldDifference } from '@varde/core';
import type { Provenance } from './measurement.events';

/** One field of a reading's content: the domain's name for it and its value as received. */
export type ContentField = readonly [field: string, value: string | number | readonly string[]];

/** A measurement's content as received, in either shape it comes: a command's components name their code, a recorded event's carry it whole. */
export type MeasurementReading = Readonly<{
  code: Readonly<{ system: string; code: string }>;
  effectiveTime: string;
  originalValue: number;
  originalUnit: string;
  provenance: Provenance;
  components?: readonly Readonly<{ code: string | Readonly<{ code: string }>; originalValue: number; originalUnit: string }>[];
}>;

/** A chunk's content as received, less its samples (compared and hashed on their own). */
export type ChunkReading = Readonly<{ code: Readonly<{ system: string; code: string }>; start: string; periodMs: number; original: Readonly<{ unit: string }>; provenance: Provenance }>;

/**
 * What a measurement says, field by field, values as received: the one list that makes the id of a reading sent
 * without an identifier (a hash of {@link contentParts}, see `measurementIdOf`) and that a reading resent under a
 * recorded identifier must repeat ({@link contentDifferences}). The order and the form of each value are part of
 * stored ids: a field may be added at the end only with a new hash prefix, never changed.
 */
export function measurementContent(reading: MeasurementReading): ContentField[] {
  const { code, provenance, components = [] } = reading;
  return [
    ['code', [code.system, code.code]],
    ['effectiveTime', reading.effectiveTime],
    ['value', reading.originalValue],
    ['unit', reading.originalUnit],
    ...deviceContent(provenance),
    ['components', components.map((c) => `${typeof c.code === 'string' ? c.code : c.code.code}=${c.originalValue} ${c.originalUnit}`).join(',')],
  ];
}

/** What a chunk says besides its samples, as {@link measurementContent} does for a measurement (see `chunkIdOf`). */
export function chunkContent(chunk: ChunkReading): ContentField[] {
  return [['code', [chunk.code.system, chunk.code.code]], ['start', chunk.start], ['samples.period', chunk.periodMs], ['samples.unit', chunk.original.unit], ...deviceContent(chunk.provenance)];
}

const deviceContent = (provenance: Provenance): ContentField[] => [
  ['device', provenance.deviceId ?? ''],
  ['device.serial', provenance.device?.serial ?? ''],
];

/** The content's values in order, a list value spread into its parts: what a content hash is made of. */
export const contentParts = (content: readonly ContentField[]): (string | number)[] => content.flatMap(([, value]) => (typeof value === 'object' ? [...value] : [value]));

/** The fields in which a resend's content differs from what was recorded under the same id (two lists of one kind). */
export function contentDifferences(recorded: readonly ContentField[], resent: readonly ContentField[]): FieldDifference[] {
  return fieldDifferences(recorded.map(([field, was], i) => [field, was, resent[i]![1]] as const));
}
