import { getDataType, indexStructureDefinitionBundle, OperationOutcomeError, validateResource, type InternalTypeSchema } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import type { FieldIssue } from '@varde/core';
import { readR4Definitions } from './r4-definitions';

let indexed = false;

/**
 * Loads the official FHIR R4 (4.0.1) StructureDefinitions into `@medplum/core`'s validator, once per process, from
 * their compact form (r4-definitions.ts: about 1 s and 60 MiB of heap); returns the milliseconds it took (0 after
 * the first call).
 */
export function indexR4Definitions(): number {
  const started = performance.now();
  if (indexed) return 0;
  const { types, resources } = readR4Definitions();
  indexStructureDefinitionBundle(types);
  indexStructureDefinitionBundle(resources);
  indexed = true;
  return performance.now() - started;
}

/**
 * The longest value Varde stores of a primitive type, in UTF-16 code units: R4's own bounds (`id` 64, a string
 * 1 MB) and tighter ones for codes and URIs, which are never long in real data.
 */
export const MAX_PRIMITIVE_LENGTH: Readonly<Record<string, number>> = {
  string: 1_048_576,
  code: 256,
  id: 64,
  uri: 2048,
  url: 2048,
  canonical: 2048,
  oid: 2048,
  uuid: 2048,
};

/**
 * The longest value Varde stores in the string elements that name or label things (by `Type.element`): a
 * fødselsnummer is 11 characters, a UUID 36, the longest LOINC display about 250; these leave room to spare and
 * keep a stray megabyte out of the event store and every read model. Free text (notes, answers, samples) keeps
 * R4's bound.
 */
export const MAX_ELEMENT_LENGTH: Readonly<Record<string, number>> = {
  'Identifier.value': 1024,
  'Coding.display': 1024,
  'Coding.version': 256,
  'CodeableConcept.text': 4096,
  'Quantity.unit': 256,
  'Reference.display': 1024,
};

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * What Varde refuses in a string primitive beyond R4's regular expression: a lone UTF-16 surrogate (not a
 * Unicode character, so not a FHIR string, and unstorable as UTF-8) and a value longer than the limit of its
 * element ({@link MAX_ELEMENT_LENGTH}, e.g. `Identifier.value`) or type ({@link MAX_PRIMITIVE_LENGTH}).
 * Undefined when the value is fine.
 */
export function primitiveStringProblem(value: string, type: string, element?: string): string | undefined {
  if (LONE_SURROGATE.test(value)) return 'contains a lone UTF-16 surrogate, which is not a Unicode character';
  const max = (element === undefined ? undefined : MAX_ELEMENT_LENGTH[element]) ?? MAX_PRIMITIVE_LENGTH[type] ?? (type.includes('System.String') ? MAX_PRIMITIVE_LENGTH['string'] : undefined);
  if (max !== undefined && value.length > max) return `is ${value.length} characters long; at most ${max} are stored${element ? ` in ${element}` : ''}`;
  return undefined;
}

/**
 * Every problem R4 structural validation finds in a resource, each naming its element (`Observation.valueQuantity.value`):
 * `@medplum/core`'s `validateResource` against the R4 StructureDefinitions (elements, types, cardinality,
 * primitives' formats, invariants), plus the R4 rules it leaves out — at most one type of a choice element
 * (`value[x]`), no modifier extension the receiver does not understand (Varde understands none), every
 * contained resource referenced (dom-3) — and Varde's limits on stored strings. Empty when the resource is valid.
 */
export function r4Issues(resource: Record<string, unknown>): FieldIssue[] {
  const root = String(resource['resourceType'] ?? 'Resource');
  const medplum = medplumIssues(resource, root);
  if (medplum.length > 0) return medplum;
  const issues: FieldIssue[] = [];
  walk(resource, root, root, undefined, issues);
  containedReferenced(resource, root, issues);
  return issues;
}

/** Medplum's verdict on the whole resource, as field issues. */
function medplumIssues(resource: Record<string, unknown>, root: string): FieldIssue[] {
  try {
    validateResource(resource as unknown as Resource);
    return [];
  } catch (error) {
    if (!(error instanceof OperationOutcomeError)) throw error;
    return (error.outcome.issue ?? [])
      .filter((i) => i.severity === 'error' || i.severity === 'fatal')
      .map((i) => ({ field: concretePath(resource, i.expression?.[0] ?? root), message: i.details?.text ?? i.diagnostics ?? 'invalid' }));
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const capitalised = (code: string): string => code.charAt(0).toUpperCase() + code.slice(1);

/** The schema of an element type: a resource, a data type, or a backbone element named in its resource's inner types. */
function schemaOf(code: string, owner: InternalTypeSchema | undefined): InternalTypeSchema | undefined {
  const inner = owner?.innerTypes.find((t) => t.name === code);
  if (inner) return inner;
  try {
    return getDataType(code);
  } catch {
    return undefined;
  }
}

/** What a JSON key of an element names: its type and, for a choice type (`valueQuantity`), the choice (`value[x]`). */
type KeyInfo = Readonly<{ code: string; choice?: string }>;
const keysBySchema = new WeakMap<InternalTypeSchema, ReadonlyMap<string, KeyInfo>>();

/** Every JSON key a schema allows, with its type; built once per schema. */
function keysOf(schema: InternalTypeSchema): ReadonlyMap<string, KeyInfo> {
  let keys = keysBySchema.get(schema);
  if (keys) return keys;
  const built = new Map<string, KeyInfo>();
  for (const [name, element] of Object.entries(schema.elements)) {
    if (!name.endsWith('[x]')) built.set(name, { code: element.type[0]?.code ?? 'Element' });
    else for (const t of element.type) built.set(name.slice(0, -3) + capitalised(t.code), { code: t.code, choice: name });
  }
  keysBySchema.set(schema, (keys = built));
  return keys;
}

/**
 * Walks a resource (already structurally valid for medplum) with its schema: choice elements, modifier
 * extensions, primitive strings. `owner` is the resource schema whose inner (backbone) types apply.
 */
function walk(node: Record<string, unknown>, type: string, path: string, owner: InternalTypeSchema | undefined, issues: FieldIssue[]): void {
  const schema = schemaOf(type, owner);
  if (!schema) return;
  const root = schema.kind === 'resource' ? schema : owner;
  const keys = keysOf(schema);
  let choices: Map<string, string> | undefined;
  for (const key in node) {
    const info = keys.get(key);
    if (!info || node[key] === undefined) continue;
    if (info.choice) {
      const earlier = (choices ??= new Map()).get(info.choice);
      if (earlier) issues.push({ field: `${path}.${key}`, message: `${info.choice} takes one type, but ${earlier} and ${key} were sent` });
      else choices.set(info.choice, key);
    }
    if (key === 'modifierExtension') modifierExtensions(node[key], path, issues);
    visit(node[key], info.code, `${schema.name}.${info.choice ?? key}`, `${path}.${key}`, root, issues);
  }
}

/** R4: a modifier extension the receiver does not understand makes the resource unsafe to process; Varde understands none. */
function modifierExtensions(list: unknown, path: string, issues: FieldIssue[]): void {
  if (!Array.isArray(list)) return;
  list.forEach((ext, i) => {
    const url = isObject(ext) && typeof ext['url'] === 'string' ? ext['url'] : '(no url)';
    issues.push({ field: `${path}.modifierExtension[${i}]`, message: `modifier extension ${url} is not understood by this server, so the resource cannot be accepted (R4: a modifier extension the receiver does not know must be refused)` });
  });
}

/** Checks one element's value (or each of an array's) of type `code`; `element` is its definition (`Identifier.value`). */
function visit(value: unknown, code: string, element: string, path: string, owner: InternalTypeSchema | undefined, issues: FieldIssue[]): void {
  if (Array.isArray(value)) return value.forEach((item, i) => visitOne(item, code, element, `${path}[${i}]`, owner, issues));
  visitOne(value, code, element, path, owner, issues);
}

function visitOne(value: unknown, code: string, element: string, path: string, owner: InternalTypeSchema | undefined, issues: FieldIssue[]): void {
  if (typeof value === 'string') {
    const problem = primitiveStringProblem(value, code, element);
    if (problem) issues.push({ field: path, message: problem });
    return;
  }
  if (!isObject(value)) return;
  if (code === 'Resource' && typeof value['resourceType'] === 'string') return walk(value, value['resourceType'], path, undefined, issues);
  walk(value, code, path, owner, issues);
}

/**
 * R4 dom-3: a contained resource is referenced (`#id`) from elsewhere in the resource, or refers to its container
 * (`#`). R4's expression counts `Reference.reference` and `canonical` / `uri` / `url` values alike (e.g. a
 * Questionnaire item's `answerValueSet: "#symptoms"` naming its contained ValueSet).
 */
function containedReferenced(resource: Record<string, unknown>, root: string, issues: FieldIssue[]): void {
  const contained = resource['contained'];
  if (!Array.isArray(contained) || contained.length === 0) return;
  const references = new Set<string>();
  collectReferences(resource, references);
  contained.forEach((c, i) => {
    if (!isObject(c)) return;
    const id = typeof c['id'] === 'string' ? c['id'] : undefined;
    const inner = new Set<string>();
    collectReferences(c, inner);
    if (id !== undefined && (references.has(`#${id}`) || inner.has('#'))) return;
    issues.push({ field: `${root}.contained[${i}]`, message: `contained ${String(c['resourceType'])}${id ? ` "${id}"` : ''} is referenced from nowhere in the resource (R4 dom-3: reference it as "#${id ?? '<id>'}")` });
  });
}

function collectReferences(node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) return node.forEach((n) => collectReferences(n, into));
  if (!isObject(node)) return;
  for (const [key, value] of Object.entries(node)) {
    if (typeof value === 'string' && (key === 'reference' || value.startsWith('#'))) into.add(value);
    else if (typeof value === 'object') collectReferences(value, into);
  }
}

/** Medplum names choice elements `value[x]`; a sender knows them by the key it sent, e.g. `valueQuantity`. */
function concretePath(resource: Record<string, unknown>, path: string): string {
  const [root, ...segments] = path.split('.');
  let node: unknown = resource;
  const named = segments.map((segment) => {
    const match = /^(\w+)\[x\](.*)$/.exec(segment);
    const container = node as Record<string, unknown> | undefined;
    let key = segment.replace(/\[\d+\]$/, '');
    let shown = segment;
    if (match && container && typeof container === 'object') {
      key = Object.keys(container).find((k) => k.startsWith(match[1]!) && /^[A-Z]/.test(k.slice(match[1]!.length))) ?? segment;
      shown = `${key}${match[2]}`;
    }
    const index = /\[(\d+)\]$/.exec(shown);
    const child = container && typeof container === 'object' ? container[key] : undefined;
    node = index && Array.isArray(child) ? child[Number(index[1])] : child;
    return shown;
  });
  return [root, ...named].join('.');
}
