import { FhirHttpError } from '@varde/fhir';
import { measurementIdOfIdentifier } from '../application/record-measurement.command';

/**
 * The measurement an `If-None-Exist` search names: Varde answers `identifier=<system>|<value>` (a measurement's
 * id derives from its identifier, so it matches at most one); any other search is a 412, as R4 lets a server
 * that cannot evaluate the condition answer.
 */
export function conditionalId(condition: string, where = 'If-None-Exist'): string {
  const params = new URLSearchParams(condition.replace(/^.*\?/, ''));
  const identifier = params.get('identifier');
  const bar = identifier?.indexOf('|') ?? -1;
  if ([...params.keys()].length !== 1 || !identifier || bar <= 0 || bar === identifier.length - 1) {
    throw new FhirHttpError(412, `${where}: supported is identifier=<system>|<value>, the identifier of the measurement`);
  }
  return measurementIdOfIdentifier({ system: identifier.slice(0, bar), value: identifier.slice(bar + 1) });
}
