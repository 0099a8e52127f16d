/** A service reachable behind the public base URL. */
export type RoutedService = 'pathways' | 'forms' | 'measurements' | 'triage' | 'sharing';

/**
 * One path rule: requests whose path starts with `prefix` (and matches `pattern`, tested on the path without
 * its query) go to `service`. `ingressPath` is the same rule as the Kubernetes ingress writes it: an nginx
 * regex (pathType ImplementationSpecific), for paths a prefix cannot express (a patient id in the middle).
 */
export type Route = Readonly<{ prefix: string; service: RoutedService; pattern?: RegExp; ingressPath?: string; bundleBodies?: true }>;

/** A route for the paths matching `regex` (nginx syntax, anchored at the start), written once for the router and the ingress. */
const regexRoute = (prefix: string, service: RoutedService, regex: string): Route => ({ prefix, service, pattern: new RegExp(`^${regex}`), ingressPath: regex });

/**
 * The public routing table, the single source for both the local router (deploy/local/router.ts) and the
 * Kubernetes ingress (deploy/helm/varde/files/routes.yaml, checked against this table by routes.spec.ts).
 * Longest prefix wins, as with an ingress of pathType Prefix.
 */
export const ROUTES: readonly Route[] = [
  { prefix: '/fhir/Observation', service: 'measurements' },
  // The CapabilityStatement of the FHIR base that Observations and Bundles are served from.
  { prefix: '/fhir/metadata', service: 'measurements' },
  { prefix: '/fhir/Questionnaire', service: 'forms' },
  { prefix: '/fhir/QuestionnaireResponse', service: 'forms' },
  { prefix: '/api/enrolments', service: 'pathways' },
  { prefix: '/fhir/PlanDefinition', service: 'pathways' },
  { prefix: '/fhir/CarePlan', service: 'pathways' },
  { prefix: '/fhir/Task', service: 'pathways' },
  { prefix: '/api/worklist', service: 'triage' },
  { prefix: '/api/alerts', service: 'triage' },
  { prefix: '/api/triage', service: 'triage' },
  { prefix: '/api/rule-sets', service: 'triage' },
  // The auditor's view (ADR 0017).
  { prefix: '/api/audit', service: 'sharing' },
  { prefix: '/fhir/AuditEvent', service: 'sharing' },
  { prefix: '/fhir/Provenance', service: 'sharing' },
  { prefix: '/api/figures', service: 'sharing' },
  // Consents and blocks (docs/api/sharing.md), which the patient app shows.
  { prefix: '/fhir/Consent', service: 'sharing' },
  // The organisations a patient shares with or blocks, chosen by name (the trust's organisation directory).
  { prefix: '/fhir/Organization', service: 'sharing' },
  // Guardians (RelatedPerson) and emergency access (akuttilgang) with its report to the care team.
  { prefix: '/fhir/RelatedPerson', service: 'sharing' },
  regexRoute('/api/care-teams', 'sharing', '/api/care-teams/[^/]+/emergency-accesses(/|$)'),
  regexRoute('/api/patients', 'sharing', '/api/patients/[^/]+/(access-log|emergency-access)(/|$)'),
  regexRoute('/api/patients', 'measurements', '/api/patients/[^/]+/(measurements|device-gateways)(/|$)'),
  regexRoute('/api/patients', 'triage', '/api/patients/[^/]+/triage(/|$)'),
  regexRoute('/api/patients', 'forms', '/api/patients/[^/]+/form-assignments(/|$)'),
  // FHIR Bundles (batch / transaction) are posted to the base itself; only the exact path, not /fhir/*.
  // Their bodies may be as large as the ingress's bundleBodyLimit; every other route keeps bodyLimit.
  { prefix: '/fhir', service: 'measurements', pattern: /^\/fhir\/?(\?|$)/, bundleBodies: true },
];

/** The service that serves `path`, or undefined when no route matches. */
export function routeFor(path: string): RoutedService | undefined {
  return matchingRoute(path)?.service;
}

const MIB = 1024 * 1024;

/**
 * The largest request bodies behind the public base URL: `bundles` on the routes with `bundleBodies`, `default`
 * on every other. The same figures as the ingress's `proxy-body-size` (Helm values `ingress.bodyLimit` and
 * `ingress.bundleBodyLimit`, checked against these by routes.spec.ts) and the services' defaults
 * (`BODY_LIMIT_BYTES`, `MEASUREMENT_BUNDLE_BODY_LIMIT_BYTES`); the local router applies them.
 */
export const BODY_LIMITS: Readonly<{ default: number; bundles: number }> = { default: MIB, bundles: 8 * MIB };

/** The largest body (bytes) the route of `path` takes. */
export function bodyLimitFor(path: string): number {
  return matchingRoute(path)?.bundleBodies ? BODY_LIMITS.bundles : BODY_LIMITS.default;
}

/** The rule that routes `path` (longest prefix), or undefined when none matches. */
export function matchingRoute(path: string): Route | undefined {
  const matches = ROUTES.filter((r) => (path === r.prefix || path.startsWith(`${r.prefix}/`) || path.startsWith(`${r.prefix}?`)) && (!r.pattern || r.pattern.test(path.split('?')[0]!)));
  return matches.sort((a, b) => b.prefix.length - a.prefix.length)[0];
}
