import { fhirPaths } from '@varde/fhir';

/**
 * Where each field the measurements domain speaks of sits in an R4 Observation: the service's one mapping from the
 * domain's names to FHIR paths. A point value's `unit` is its `valueQuantity.code`; a chunk's samples are its
 * `valueSampledData`. A measurement is an Observation (`measurement m-1` is `Observation/m-1`). A refusal is thrown as
 * an Observation client reads it with `record(…).catch(observationPaths.rethrow)` or `throw observationPaths.refusal(error)`.
 */
export const observationPaths = fhirPaths(
  {
  identifier: 'Observation.identifier',
  code: 'Observation.code',
  value: 'Observation.valueQuantity.value',
  unit: 'Observation.valueQuantity.code',
  components: 'Observation.component',
  'components[].value': 'Observation.component[].valueQuantity.value',
  effectiveTime: 'Observation.effectiveDateTime',
  device: 'Observation.device',
  start: 'Observation.effectivePeriod.start',
  samples: 'Observation.valueSampledData.data',
  'samples.period': 'Observation.valueSampledData.period',
  'samples.unit': 'Observation.valueSampledData.origin.code',
  },
  { measurement: 'Observation' },
);

