import { foldForSearch } from '@varde/fhir/src/string-search';
import { useSession } from '@varde/web-common';
import { useEffect, useState } from 'react';

/** A patient's name as pathways keeps it (given at enrolment): family name and given names. */
export type PersonName = Readonly<{ family: string; given: readonly string[] }>;

/** The name as a person reads it: given names, then the family name. */
export const formatName = (name: PersonName): string => [...name.given, name.family].join(' ');

/**
 * The name typed in a form's two fields (given names separated by spaces, as the record shows them): none without a
 * family name, which pathways needs to keep one.
 */
export const nameFromFields = (givenNames: string, familyName: string): PersonName | undefined =>
  familyName.trim() === '' ? undefined : { family: familyName.trim(), given: givenNames.trim().split(/\s+/).filter((part) => part !== '') };

/** Whether the name holds the text typed (case and accents ignored, as pathways searches). */
export const nameHolds = (name: PersonName, text: string): boolean => foldForSearch(formatName(name)).includes(foldForSearch(text.trim()));

/** Most patient ids pathways takes in one `POST /api/enrolments/names`. */
const PER_REQUEST = 100;

/**
 * The names of the patients shown, read from pathways for the rows on screen (each read access-logged there); a patient
 * enrolled without a name has none. Asks only for patients not asked about before.
 */
export function usePatientNames(patientIds: readonly string[]): ReadonlyMap<string, PersonName> {
  const { api } = useSession();
  const [names, setNames] = useState<{ asked: ReadonlySet<string>; known: ReadonlyMap<string, PersonName> }>({ asked: new Set(), known: new Map() });
  const missing = patientIds.filter((id) => !names.asked.has(id));
  const key = missing.join(',');
  useEffect(() => {
    if (key === '') return;
    const ids = key.split(',');
    let live = true;
    void (async () => {
      const found: [string, PersonName][] = [];
      for (let start = 0; start < ids.length; start += PER_REQUEST) {
        const answer = await api<{ names: { patientId: string; name: PersonName }[] }>('/api/enrolments/names', { method: 'POST', json: { patientIds: ids.slice(start, start + PER_REQUEST) } });
        found.push(...answer.names.map(({ patientId, name }) => [patientId, name] as [string, PersonName]));
      }
      if (live) setNames((before) => ({ asked: new Set([...before.asked, ...ids]), known: new Map([...before.known, ...found]) }));
    })().catch(() => {
      // Names are a help, not the worklist: without them the rows show the patient number, and the next change asks again.
    });
    return () => {
      live = false;
    };
  }, [api, key]);
  return names.known;
}
