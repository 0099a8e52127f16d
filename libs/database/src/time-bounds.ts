/** A bound on a time column: compared with `at`, or (`outside`) not within `[at, until)`. ISO instants. */
export type TimeBound = Readonly<{ op: 'gt' | 'ge' | 'lt' | 'le'; at: string } | { op: 'outside'; at: string; until: string }>;

const OPERATORS = { gt: '>', ge: '>=', lt: '<', le: '<=' } as const;

/**
 * The SQL conditions (to be joined by AND) that keep `column` within every bound, their values pushed onto
 * `params` as timestamptz parameters: how a FHIR date search (fhirDateSearch in @varde/fhir) reaches a table.
 */
export function timeBoundClauses(column: string, bounds: readonly TimeBound[], params: unknown[]): string[] {
  return bounds.map((bound) =>
    bound.op === 'outside'
      ? `NOT (${column} >= $${params.push(bound.at)}::timestamptz AND ${column} < $${params.push(bound.until)}::timestamptz)`
      : `${column} ${OPERATORS[bound.op]} $${params.push(bound.at)}::timestamptz`,
  );
}
