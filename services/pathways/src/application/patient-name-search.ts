import { foldForSearch } from '@varde/fhir';
import type { NamedPatient, PersonName } from './patient-identities.port';

/**
 * Whether the name answers a search: every word searched for is part of a given name or the family name, case and
 * accents ignored (å, æ and ø are letters of their own) — "kari nord" finds Kari Anne Nordmann; "åse" finds Åse, "ase" does not.
 */
export function nameMatches(name: PersonName, query: string): boolean {
  const parts = [...name.given, name.family].map(foldForSearch);
  const words = foldForSearch(query).split(/\s+/).filter((word) => word !== '');
  return words.length > 0 && words.every((word) => parts.some((part) => part.includes(word)));
}

/** The patients whose names answer the search, by family name then given names (Norwegian order: æ, ø, å last). */
export function patientsNamed(patients: readonly NamedPatient[], query: string): NamedPatient[] {
  const collator = new Intl.Collator('nb', { sensitivity: 'base' });
  const key = (name: PersonName): string => `${name.family}\u0000${name.given.join(' ')}`;
  return patients.filter((p) => nameMatches(p.name, query)).sort((a, b) => collator.compare(key(a.name), key(b.name)));
}
