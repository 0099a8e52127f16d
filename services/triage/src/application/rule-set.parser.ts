import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson, ValidationError, type FieldIssue } from '@varde/core';
import Ajv, { type ErrorObject } from 'ajv';
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { RuleSetDocument, RuleSetProblem } from '../domain/rule-set';
import { checkRuleSetDocument } from '../domain/rule-set-document.check';

/** Where the rule set JSON Schema and the shipped default rule sets live. */
export const RULE_SETS_DIR = join(__dirname, '..', '..', 'rule-sets');

/** The JSON Schema a rule set document must satisfy (served at GET /api/rule-sets/schema). */
export const RULE_SET_SCHEMA: object = JSON.parse(readFileSync(join(RULE_SETS_DIR, 'rule-set.schema.json'), 'utf8')) as object;

const validateSchema = new Ajv({ allErrors: true, strict: true }).compile<RuleSetDocument>(RULE_SET_SCHEMA);

/** A problem in a rule set text, with where it is. */
export type LocatedProblem = RuleSetProblem & Readonly<{ line: number; column: number }>;

/** A rule set text that parsed and passed every check. */
export type ParsedRuleSet = Readonly<{ document: RuleSetDocument; contentHash: string; source: string }>;

/**
 * Parses a rule set written in YAML or JSON (JSON is read as YAML, so both get line numbers), validates it
 * against the JSON Schema and then the domain checks. Answers the document and its content hash, or every
 * problem with its line and column.
 */
export function parseRuleSet(source: string): { ok: true; ruleSet: ParsedRuleSet } | { ok: false; problems: readonly LocatedProblem[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => {
        const { line, col } = lineCounter.linePos(e.pos[0]);
        return { path: [], message: `invalid ${source.trimStart().startsWith('{') ? 'JSON' : 'YAML'}: ${e.message.split('\n')[0]!}`, line, column: col };
      }),
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 0 });
  } catch (error) {
    return { ok: false, problems: [{ path: [], message: (error as Error).message, line: 1, column: 1 }] };
  }
  if (!validateSchema(value)) {
    return { ok: false, problems: (validateSchema.errors ?? []).map((e) => locate(doc, lineCounter, schemaProblem(e))) };
  }
  const problems = checkRuleSetDocument(value);
  if (problems.length > 0) return { ok: false, problems: problems.map((p) => locate(doc, lineCounter, p)) };
  return { ok: true, ruleSet: { document: value, contentHash: contentHashOf(value), source } };
}

/** Like {@link parseRuleSet}, throwing a ValidationError whose issues name the line, column and field of each problem. */
export function parseRuleSetOrThrow(source: string): ParsedRuleSet {
  const parsed = parseRuleSet(source);
  if (parsed.ok) return parsed.ruleSet;
  throw new ValidationError(parsed.problems.map(toIssue));
}

/** A located problem as a field issue: `rules[3].threshold`, "line 12, column 5: …". */
export function toIssue(problem: LocatedProblem): FieldIssue {
  const field = problem.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') || 'body';
  return { field, message: `line ${problem.line}, column ${problem.column}: ${problem.message}`, line: problem.line, column: problem.column };
}

/** The content hash of a rule set document: SHA-256 of its canonical JSON. */
export const contentHashOf = (document: RuleSetDocument): string => `sha256:${createHash('sha256').update(canonicalJson(document)).digest('hex')}`;

function schemaProblem(error: ErrorObject): RuleSetProblem {
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  switch (error.keyword) {
    case 'required':
      return { path, message: `"${(error.params as { missingProperty: string }).missingProperty}" is required` };
    case 'additionalProperties':
      return { path: [...path, (error.params as { additionalProperty: string }).additionalProperty], message: `unknown field "${(error.params as { additionalProperty: string }).additionalProperty}"` };
    case 'enum':
      return { path, message: `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}` };
    case 'pattern':
      return { path, message: path[path.length - 1] === 'reason' ? 'must not be empty' : `does not match ${(error.params as { pattern: string }).pattern}` };
    default:
      return { path, message: error.message ?? 'is invalid' };
  }
}

// The line and column of the deepest node of the path that exists in the document.
function locate(doc: Document, lineCounter: LineCounter, problem: RuleSetProblem): LocatedProblem {
  for (let n = problem.path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(problem.path.slice(0, n), true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range) {
      const { line, col } = lineCounter.linePos(range[0]);
      return { ...problem, line, column: col };
    }
  }
  return { ...problem, line: 1, column: 1 };
}
