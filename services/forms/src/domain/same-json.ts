/** A JSON value with every object's keys sorted, so that key order no longer matters. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
}

/**
 * Whether two values are the same JSON, key order aside: the event store keeps event data as jsonb, which
 * reorders keys, so what was stored never compares equal to the same content sent again as text.
 */
export const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
