/** A service reachable behind the public base URL. */
export type RoutedService = 'pathways' | 'forms' | 'measurements' | 'triage' | 'sharing';

/** One path rule: requests whose path starts with `prefix` (or matches `pattern`) go to `service`. */
export type Route = Readonly<{ prefix: string; service: RoutedService; pattern?: RegExp }>;

/**
 * The public routing table, the single source for both the local router (deploy/local/router.ts) and the
 * Kubernetes ingress (deploy/kubernetes/ingress.yaml, checked against this table by routes.spec.ts).
 * Longest prefix wins, as with an ingress of pathType Prefix.
 */
export const ROUTES: readonly Route[] = [
  { prefix: '/fhir/Observation', service: 'measurements' },
  { prefix: '/fhir/Questionnaire', service: 'forms' },
  { prefix: '/fhir/QuestionnaireResponse', service: 'forms' },
  { prefix: '/api/enrolments', service: 'pathways' },
  { prefix: '/api/worklist', service: 'triage' },
  { prefix: '/api/alerts', service: 'triage' },
  { prefix: '/api/triage', service: 'triage' },
  { prefix: '/api/patients', service: 'sharing', pattern: /^\/api\/patients\/[^/]+\/access-log(\/|\?|$)/ },
];

/** The service that serves `path`, or undefined when no route matches. */
export function routeFor(path: string): RoutedService | undefined {
  const matches = ROUTES.filter((r) => (path === r.prefix || path.startsWith(`${r.prefix}/`) || path.startsWith(`${r.prefix}?`)) && (!r.pattern || r.pattern.test(path)));
  return matches.sort((a, b) => b.prefix.length - a.prefix.length)[0]?.service;
}
