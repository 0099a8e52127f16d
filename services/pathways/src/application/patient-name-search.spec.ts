import { describe, expect, it } from 'vitest';
import { nameMatches, patientsNamed } from './patient-name-search';

const kari = { family: 'Nordmann', given: ['Kari', 'Anne'] };

describe('nameMatches: a clinician searching by name', () => {
  it('finds part of a given or family name, case and accents ignored', () => {
    expect(nameMatches(kari, 'kari')).toBe(true);
    expect(nameMatches(kari, 'NORD')).toBe(true);
    expect(nameMatches(kari, 'anne nordm')).toBe(true);
    expect(nameMatches({ family: 'Müller', given: ['Hélène'] }, 'helene muller')).toBe(true);
  });

  it('needs every word, and keeps å, æ and ø apart from a, ae and o', () => {
    expect(nameMatches(kari, 'kari hansen')).toBe(false);
    expect(nameMatches({ family: 'Østby', given: ['Åse'] }, 'åse østby')).toBe(true);
    expect(nameMatches({ family: 'Østby', given: ['Åse'] }, 'ase')).toBe(false);
    expect(nameMatches({ family: 'Østby', given: ['Åse'] }, 'ostby')).toBe(false);
    expect(nameMatches(kari, '   ')).toBe(false);
  });
});

describe('patientsNamed', () => {
  it('answers the matches by family name, then given names, in Norwegian order', () => {
    const patients = [
      { patientId: 'a', name: { family: 'Ås', given: ['Kari'] } },
      { patientId: 'b', name: { family: 'Berg', given: ['Kari'] } },
      { patientId: 'c', name: { family: 'Øye', given: ['Kari'] } },
      { patientId: 'd', name: { family: 'Berg', given: ['Ola'] } },
    ];
    expect(patientsNamed(patients, 'kari').map((p) => p.patientId)).toEqual(['b', 'c', 'a']);
  });
});
