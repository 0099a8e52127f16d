import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { serviceNodeOptions } from '../../libs/platform/src/node-options';
import { ensureGoTool, HELM, KUBECONFORM, KUBE_SCORE } from '../../scripts/tools/go-tools';

// The chart checked offline, as a hospital's `helm install` would see it: Helm's lint and schema check,
// every rendered manifest against the Kubernetes 1.33 API schemas (strict: unknown fields fail), and
// kube-score's best-practice checks with its defaults. The tools are built from the Go module proxy on first use.
const chart = join(__dirname, 'varde');
const examples = join(chart, 'examples');
const schemas = join(__dirname, 'schemas');
const services = ['pathways', 'forms', 'measurements', 'triage', 'sharing'] as const;

/** The value sets every check runs over: the least a hospital sets, production-like, and with the optional parts off. */
const valueSets: Record<string, { files: string[]; set?: string[] }> = {
  minimal: { files: [join(examples, 'minimal.yaml')] },
  'cloudnativepg-strimzi': { files: [join(examples, 'cloudnativepg-strimzi.yaml')] },
  'cloudnativepg-strimzi + kurrentdb': { files: [join(examples, 'cloudnativepg-strimzi.yaml'), join(examples, 'kurrentdb.yaml')] },
  'cloudnativepg-strimzi + public feed': { files: [join(examples, 'cloudnativepg-strimzi.yaml'), join(examples, 'public-feed.yaml')] },
  'optional parts off': {
    files: [join(examples, 'minimal.yaml')],
    set: ['ingress.enabled=false', 'migrations.enabled=false', 'topologySpread.enabled=false', 'services.forms.enabled=false'],
  },
};

// A rendered object's spec is whatever its kind says; kubeconform checks its shape, the tests read it loosely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Manifest = { apiVersion: string; kind: string; metadata: { name: string; annotations?: Record<string, string>; labels?: Record<string, string> }; spec?: any };
type Result = { code: number | null; stdout: string; stderr: string };

function exec(command: string, args: readonly string[], input?: string): Promise<Result> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => void (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString('utf8')));
    child.once('error', fail);
    child.once('exit', (code) => done({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

const valueArgs = (values: { files: string[]; set?: string[] }): string[] => [...values.files.flatMap((f) => ['-f', f]), ...(values.set ?? []).flatMap((s) => ['--set', s])];

let helm: string;
let kubeconform: string;
let kubeScore: string;

async function template(values: { files: string[]; set?: string[] }): Promise<Result> {
  return exec(helm, ['template', 'varde', chart, '--namespace', 'varde', ...valueArgs(values)]);
}

async function render(values: { files: string[]; set?: string[] }): Promise<{ yaml: string; manifests: Manifest[] }> {
  const result = await template(values);
  expect(result.stderr, 'helm template').toBe('');
  expect(result.code).toBe(0);
  const manifests = parseAllDocuments(result.stdout)
    .map((d) => d.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
  return { yaml: result.stdout, manifests };
}

const find = (manifests: Manifest[], kind: string, name: string): Manifest | undefined => manifests.find((m) => m.kind === kind && m.metadata.name === name);

beforeAll(async () => {
  // Sequentially: two Go builds at once on a two-core machine take longer than one after the other.
  helm = await ensureGoTool(HELM);
  kubeconform = await ensureGoTool(KUBECONFORM);
  kubeScore = await ensureGoTool(KUBE_SCORE);
}, 30 * 60_000);

describe.each(Object.entries(valueSets))('the chart with %s values', (_name, values) => {
  it('passes helm lint --strict', async () => {
    const result = await exec(helm, ['lint', '--strict', chart, ...valueArgs(values)]);
    expect(result.stdout + result.stderr).toContain('0 chart(s) failed');
    expect(result.code).toBe(0);
  });

  it('renders manifests valid against the Kubernetes 1.33 API schemas (unknown fields rejected)', async () => {
    const { yaml, manifests } = await render(values);
    const result = await exec(
      kubeconform,
      ['-strict', '-summary', '-output', 'text', '-schema-location', join(schemas, '{{ .NormalizedKubernetesVersion }}-standalone-strict/{{ .ResourceKind }}{{ .KindSuffix }}.json'), '-kubernetes-version', '1.33.0', '-skip', 'ServiceMonitor', '-'],
      yaml,
    );
    // ServiceMonitor is the Prometheus Operator's kind, not Kubernetes': checked by the ServiceMonitor test below.
    const monitors = manifests.filter((m) => m.kind === 'ServiceMonitor').length;
    expect(result.stdout + result.stderr).toContain(`Summary: ${manifests.length} resources found parsing stdin - Valid: ${manifests.length - monitors}, Invalid: 0, Errors: 0, Skipped: ${monitors}`);
    expect(result.code).toBe(0);
  });

  it('passes kube-score with its default checks', async () => {
    const { yaml } = await render(values);
    const result = await exec(kubeScore, ['score', '--output-format', 'ci', '-'], yaml);
    const problems = result.stdout.split('\n').filter((line) => /^\[(CRITICAL|WARNING)\]/.test(line));
    expect(problems).toEqual([]);
    expect(result.code).toBe(0);
  });
});

describe('kube-score', () => {
  it('flags a chart rendered without its NetworkPolicies and PodDisruptionBudgets (the check is live)', async () => {
    const { yaml } = await render({ files: [join(examples, 'minimal.yaml')], set: ['networkPolicy.enabled=false', 'podDisruptionBudget.enabled=false'] });
    const result = await exec(kubeScore, ['score', '--output-format', 'ci', '-'], yaml);
    expect(result.stdout).toContain('[CRITICAL] varde-triage apps/v1/Deployment: The pod does not have a matching NetworkPolicy');
    expect(result.stdout).toContain('[CRITICAL] varde-triage apps/v1/Deployment: No matching PodDisruptionBudget was found');
    expect(result.code).not.toBe(0);
  });
});

describe('the rendered chart (production-like values)', () => {
  it('gives every service a Deployment, Service, ServiceAccount, PodDisruptionBudget and NetworkPolicy, hardened and spread', async () => {
    const { manifests } = await render(valueSets['cloudnativepg-strimzi']!);
    for (const service of services) {
      const name = `varde-${service}`;
      const kinds = manifests.filter((m) => m.metadata.name === name).map((m) => m.kind);
      expect(kinds, name).toEqual(expect.arrayContaining(['Deployment', 'Service', 'ServiceAccount', 'PodDisruptionBudget', 'NetworkPolicy']));
      // Each of them applies to this service's pods: the selectors pick exactly the Deployment's pod labels, the pods run as its account.
      const deployment = find(manifests, 'Deployment', name)!;
      const podLabels = { 'app.kubernetes.io/name': 'varde', 'app.kubernetes.io/instance': 'varde', 'app.kubernetes.io/component': service };
      expect(deployment.spec.template.metadata.labels, `Deployment ${name} pod labels`).toMatchObject(podLabels);
      expect(deployment.spec.selector.matchLabels, `Deployment ${name} selector`).toEqual(podLabels);
      expect(find(manifests, 'Service', name)!.spec.selector, `Service ${name} selector`).toEqual(podLabels);
      expect(find(manifests, 'PodDisruptionBudget', name)!.spec.selector.matchLabels, `PodDisruptionBudget ${name} selector`).toEqual(podLabels);
      expect(find(manifests, 'NetworkPolicy', name)!.spec.podSelector.matchLabels, `NetworkPolicy ${name} selector`).toEqual(podLabels);
      expect(find(manifests, 'ServiceAccount', name)!.metadata.labels, `ServiceAccount ${name}`).toMatchObject({ 'app.kubernetes.io/component': service });
      const pod = deployment.spec.template.spec;
      expect(pod.serviceAccountName).toBe(name);
      const container = pod.containers[0];
      expect(container.env).toContainEqual({ name: 'SERVICE', value: service });
      expect(container.env).toContainEqual({ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'varde-pg-app', key: 'uri' } } });
      // Its own client credentials for calls to other services.
      expect(container.env).toContainEqual({ name: 'SERVICE_CLIENT_ID', value: `varde-${service}` });
      expect(container.env).toContainEqual({ name: 'SERVICE_CLIENT_SECRET', valueFrom: { secretKeyRef: { name: 'varde-service-clients', key: service } } });
      expect(container.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } });
      expect(container.readinessProbe.httpGet.path).toBe('/health/ready');
      expect(container.livenessProbe.httpGet.path).toBe('/health/live');
      // Up to 2 minutes of start-up (schema under a lock, catching up) before liveness counts.
      expect(container.startupProbe).toEqual({ httpGet: { path: '/health/live', port: 'http' }, periodSeconds: 2, failureThreshold: 60 });
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.topologySpreadConstraints.map((c: { topologyKey: string }) => c.topologyKey)).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
    }
    // Resources from the measured figures (values.yaml cites the run): triage peaked at 1 097 MiB RSS.
    expect(find(manifests, 'Deployment', 'varde-triage')!.spec.template.spec.containers[0].resources.limits.memory).toBe('1536Mi');
    // Only pathways holds the identity-mapping key.
    const holdersOfKey = manifests.filter((m) => m.kind === 'Deployment' && JSON.stringify(m.spec).includes('IDENTITY_HMAC_KEY')).map((m) => m.metadata.name);
    expect(holdersOfKey).toEqual(['varde-pathways']);
  });

  it('runs each service with the Node.js options npm start gives it, and lets a service\'s extraEnv replace them', async () => {
    const nodeOptions = (manifests: Manifest[], service: string): string | undefined =>
      find(manifests, 'Deployment', `varde-${service}`)!.spec.template.spec.containers[0].env.find((e: { name: string }) => e.name === 'NODE_OPTIONS')?.value;
    const { manifests } = await render(valueSets['cloudnativepg-strimzi']!);
    for (const service of services) expect(nodeOptions(manifests, service) ?? '', service).toBe(serviceNodeOptions(service, {}));
    expect(nodeOptions(manifests, 'measurements')).toBe('--max-semi-space-size=64');
    expect(nodeOptions(manifests, 'forms')).toBeUndefined();
    const own = await render({ ...valueSets['cloudnativepg-strimzi']!, set: ['services.triage.extraEnv.NODE_OPTIONS=--max-old-space-size=900'] });
    expect(nodeOptions(own.manifests, 'triage')).toBe('--max-old-space-size=900');
    expect(nodeOptions(own.manifests, 'measurements')).toBe('--max-semi-space-size=64');
  });

  it('publishes the public event feed from sharing only, and only when its brokers are set', async () => {
    const envOf = (manifests: Manifest[], service: string): { name: string }[] => find(manifests, 'Deployment', `varde-${service}`)!.spec.template.spec.containers[0].env;
    const feedEnv = (manifests: Manifest[], service: string) => envOf(manifests, service).filter((e) => e.name.startsWith('PUBLIC_FEED_'));
    // Off by default: no feed settings anywhere, and sharing may not reach a feed cluster.
    const { manifests: off } = await render(valueSets['cloudnativepg-strimzi']!);
    for (const service of services) expect(feedEnv(off, service), service).toEqual([]);
    const { manifests } = await render(valueSets['cloudnativepg-strimzi + public feed']!);
    expect(feedEnv(manifests, 'sharing')).toEqual([
      { name: 'PUBLIC_FEED_BROKERS', value: 'varde-feed-kafka-bootstrap.kafka-feed.svc:9094' },
      { name: 'PUBLIC_FEED_SASL_MECHANISM', value: 'scram-sha-512' },
      { name: 'PUBLIC_FEED_REPLICATION_FACTOR', value: '3' },
      { name: 'PUBLIC_FEED_PARTITIONS', value: '3' },
      { name: 'PUBLIC_FEED_USERNAME', valueFrom: { secretKeyRef: { name: 'varde-feed-publisher', key: 'username' } } },
      { name: 'PUBLIC_FEED_PASSWORD', valueFrom: { secretKeyRef: { name: 'varde-feed-publisher', key: 'password' } } },
      { name: 'PUBLIC_FEED_TLS', value: 'true' },
      { name: 'PUBLIC_FEED_TLS_CA_FILE', value: '/etc/varde/public-feed-ca/ca.crt' },
    ]);
    // The CA comes from its Secret, read-only, into sharing alone.
    const podOf = (m: Manifest[], service: string) => find(m, 'Deployment', `varde-${service}`)!.spec.template.spec;
    expect(podOf(manifests, 'sharing').volumes).toContainEqual({ name: 'public-feed-ca', secret: { secretName: 'varde-feed-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] } });
    expect(podOf(manifests, 'sharing').containers[0].volumeMounts).toContainEqual({ name: 'public-feed-ca', mountPath: '/etc/varde/public-feed-ca', readOnly: true });
    for (const service of services.filter((s) => s !== 'sharing')) expect(podOf(manifests, service).volumes.map((v: { name: string }) => v.name), service).not.toContain('public-feed-ca');
    for (const service of services.filter((s) => s !== 'sharing')) expect(feedEnv(manifests, service), service).toEqual([]);
    // Only sharing's pods may go to the feed's brokers.
    const egressPorts = (m: Manifest[], service: string): number[] => find(m, 'NetworkPolicy', `varde-${service}`)!.spec.egress.flatMap((rule: { ports: { port: number }[] }) => rule.ports.map((p) => p.port));
    const feedRule = find(manifests, 'NetworkPolicy', 'varde-sharing')!.spec.egress.find((rule: { ports: { port: number }[] }) => rule.ports.some((p) => p.port === 9094));
    expect(feedRule.to[0].podSelector.matchLabels['strimzi.io/cluster']).toBe('varde-feed');
    expect(egressPorts(manifests, 'triage')).not.toContain(9094);
    expect(egressPorts(off, 'sharing')).not.toContain(9094);
  });

  it('migrates every service\'s schema in a pre-install/pre-upgrade Job before the Deployments start', async () => {
    const { manifests } = await render(valueSets['cloudnativepg-strimzi']!);
    const job = find(manifests, 'Job', 'varde-migrations')!;
    expect(job.metadata.annotations!['helm.sh/hook']).toBe('pre-install,pre-upgrade');
    const pod = job.spec.template.spec;
    const containers = [...(pod.initContainers ?? []), ...pod.containers];
    expect(containers.map((c: { name: string }) => c.name).sort()).toEqual([...services].sort());
    for (const container of containers) {
      expect(container.args).toEqual(['dist/migrate.js']);
      expect(container.env).toContainEqual({ name: 'SERVICE', value: container.name });
    }
  });

  it('routes the public base URL to the services by the routing table, gRPC to none of it', async () => {
    const { manifests } = await render(valueSets['cloudnativepg-strimzi']!);
    const ingresses = manifests.filter((m) => m.kind === 'Ingress');
    expect(ingresses.map((i) => i.metadata.name).sort()).toEqual(['varde', 'varde-fhir-bundles', 'varde-openapi', 'varde-patient-scoped']);
    // The public /openapi.json is the merged document one service builds from every service's own.
    const openapi = find(manifests, 'Ingress', 'varde-openapi')!;
    expect(openapi.metadata.annotations!['nginx.ingress.kubernetes.io/rewrite-target']).toBe('/openapi/merged.json');
    expect(find(manifests, 'ConfigMap', 'varde')!.spec).toBeUndefined();
    const peers = (manifests.find((m) => m.kind === 'ConfigMap') as unknown as { data: Record<string, string> }).data['OPENAPI_PEERS']!.split(',');
    expect(peers).toHaveLength(5);
    expect(peers).toContain('http://varde-triage:8080');
    expect((find(manifests, 'ConfigMap', 'varde') as unknown as { data: Record<string, string> }).data['KAFKA_SESSION_TIMEOUT_MS']).toBe('10000');
    expect((find(manifests, 'ConfigMap', 'varde') as unknown as { data: Record<string, string> }).data['PROCESSED_MESSAGES_RETENTION_DAYS']).toBe('7');
    const paths = ingresses.flatMap((i) => i.spec.rules[0].http.paths as { path: string; backend: { service: { name: string; port: { name: string } } } }[]);
    expect(new Set(ingresses.map((i) => i.spec.rules[0].host))).toEqual(new Set(['varde.hospital.example']));
    expect(paths.find((p) => p.path === '/api/worklist')!.backend.service.name).toBe('varde-triage');
    expect(paths.every((p) => p.backend.service.port.name === 'http')).toBe(true);
    expect(find(manifests, 'Ingress', 'varde-fhir-bundles')!.metadata.annotations!['nginx.ingress.kubernetes.io/proxy-body-size']).toBe('8m');
  });

  it('lets only Varde\'s own pods reach gRPC and sends PostgreSQL and Kafka traffic only to their clusters', async () => {
    const { manifests } = await render(valueSets['cloudnativepg-strimzi']!);
    const policy = find(manifests, 'NetworkPolicy', 'varde-triage')!;
    const rulesFor = (port: number) => policy.spec.ingress.filter((rule: { ports: { port: number }[] }) => rule.ports.some((p) => p.port === port));
    const varde = [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'varde', 'app.kubernetes.io/instance': 'varde' } } }];
    expect(rulesFor(9090).map((rule: { from: unknown }) => rule.from)).toEqual([varde]);
    // HTTP: the ingress controller, Prometheus, and Varde's own services (pathways reads triage's rule sets).
    expect(rulesFor(8080).flatMap((rule: { from: unknown[] }) => rule.from)).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
      ...varde,
    ]);
    const egressTo = (port: number) => policy.spec.egress.find((rule: { ports: { port: number }[] }) => rule.ports.some((p) => p.port === port)).to;
    expect(egressTo(5432)).toEqual([{ podSelector: { matchLabels: { 'cnpg.io/cluster': 'varde-pg' } } }]);
    expect(egressTo(9092)[0].podSelector.matchLabels['strimzi.io/cluster']).toBe('varde');
    // Forms serves no gRPC: its policy opens only HTTP.
    expect(new Set(find(manifests, 'NetworkPolicy', 'varde-forms')!.spec.ingress.flatMap((r: { ports: { port: number }[] }) => r.ports.map((p) => p.port)))).toEqual(new Set([8080]));
  });

  it('scales on CPU and on consumer lag where the service consumes, and a ServiceMonitor scrapes every Service', async () => {
    const { manifests } = await render(valueSets['cloudnativepg-strimzi']!);
    const hpa = find(manifests, 'HorizontalPodAutoscaler', 'varde-triage')!;
    expect(hpa.spec.metrics.map((m: { type: string }) => m.type)).toEqual(['Resource', 'External']);
    expect(hpa.spec.metrics[1].external.metric.selector.matchExpressions[0].values).toEqual(['triage.assessment']);
    expect(find(manifests, 'HorizontalPodAutoscaler', 'varde-measurements')!.spec.metrics.map((m: { type: string }) => m.type)).toEqual(['Resource']);
    // A Deployment under an HPA leaves its replica count to it.
    expect(find(manifests, 'Deployment', 'varde-triage')!.spec.replicas).toBeUndefined();
    const monitor = find(manifests, 'ServiceMonitor', 'varde')!;
    const servicesSelected = manifests.filter((m) => m.kind === 'Service' && Object.entries(monitor.spec.selector.matchLabels).every(([k, v]) => m.metadata.labels?.[k] === v));
    expect(servicesSelected).toHaveLength(services.length);
    expect(monitor.spec.endpoints).toEqual([{ port: 'http', path: '/metrics', interval: '30s' }]);
  });
});

describe('bad values fail helm install with a message naming them', () => {
  const minimal = valueSets['minimal']!;
  it.each([
    ['a missing database secret', ['database.existingSecret='], /database[./]existingSecret/],
    ['a missing identity-mapping key secret', ['identity.existingSecret='], /identity[./]existingSecret/],
    ['a negative replica count', ['services.triage.replicas=-1'], /services[./]triage[./]replicas/],
    ['an unknown key', ['services.triage.replicaCount=3'], /replicaCount/],
    ['an unknown top-level key', ['bogusKey=1'], /bogusKey/],
    ['Kafka brokers without a port', ['kafka.brokers=kafka.example'], /kafka[./]brokers/],
    ['a Kafka session timeout below the broker\'s minimum', ['kafka.sessionTimeoutMs=1000'], /kafka[./]sessionTimeoutMs/],
    ['public feed brokers without the publisher\'s Secret', ['publicFeed.brokers=feed.example:9094'], /publicFeed[./]existingSecret/],
    ['public feed brokers without a port', ['publicFeed.brokers=feed.example', 'publicFeed.existingSecret=varde-feed-publisher'], /publicFeed[./]brokers/],
    ['an unknown SASL mechanism for the public feed', ['publicFeed.saslMechanism=plain'], /publicFeed[./]saslMechanism/],
    ['a CA for the public feed without TLS', ['publicFeed.brokers=feed.example:9094', 'publicFeed.existingSecret=varde-feed-publisher', 'publicFeed.tls.caSecret=varde-feed-ca'], /publicFeed\.tls\.caSecret/],
  ])('%s', async (_what, set, message) => {
    const result = await template({ files: minimal.files, set });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(message);
  });
});
