import { fieldDifferences, type FieldDifference } from '@varde/core';
import type { Provenance } from './measurement.events';

/** A reading's content as received, in either shape it comes: a command's components name their code, a recorded event's carry it whole. */
export type Reading = Readonly<{
  code: Readonly<{ system: string; code: string }>;
  effectiveTime: string;
  originalValue: number;
  originalUnit: string;
  provenance: Provenance;
  components?: readonly Readonly<{ code: string | Readonly<{ code: string }>; originalValue: number; originalUnit: string }>[];
}>;

/** One field of a reading's content: the domain's name for it and its value as received. */
export type ContentField = readonly [field: string, value: string | number | readonly string[]];

/**
 * What a measurement says, field by field, values as received: the one list that makes the id of a reading sent
 * without an identifier (a hash of it, see `measurementIdOf`) and that a reading resent under a recorded identifier
 * must repeat ({@link contentDifferences}). The order and the form of each value are part of stored ids: a field may
 * be added at the end only with a new hash prefix, never changed.
 */
export function measurementContent(reading: Reading): ContentField[] {
  const { code, provenance, components = [] } = reading;
  return [
    ['code', [code.system, code.code]],
    ['effectiveTime', reading.effectiveTime],
    ['value', reading.originalValue],
    ['unit', reading.originalUnit],
    ['device', provenance.deviceId ?? ''],
    ['device.serial', provenance.device?.serial ?? ''],
    ['components', components.map((c) => `${typeof c.code === 'string' ? c.code : c.code.code}=${c.originalValue} ${c.originalUnit}`).join(',')],
  ];
}

/** The content's values in order, a list value spread into its parts: what the content hash is made of. */
export const contentParts = (content: readonly ContentField[]): (string | number)[] => content.flatMap(([, value]) => (typeof value === 'object' ? [...value] : [value]));

/** The fields in which a resend differs from what was recorded under the same id (see {@link measurementContent}). */
export function contentDifferences(recorded: Reading, resend: Reading): FieldDifference[] {
  const resent = measurementContent(resend);
  return fieldDifferences(measurementContent(recorded).map(([field, was], i) => [field, was, resent[i]![1]] as const));
}
