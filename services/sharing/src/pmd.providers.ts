import type { Provider } from '@nestjs/common';
import { ConfigError, env, loadConfig, z } from '@varde/config';
import { HelseIdClient, JwkFileKeySource, signingKeyFromJwk, StaticKeySource } from '@varde/helseid';
import { ClientCredentialsTokens, SERVICE_PORTS, type Infrastructure } from '@varde/platform';
import { SelfCarePlanSender, SELF_CARE_PLAN_GATEWAY } from './application/care-plan/self-care-plan-sender';
import { SelfCarePlanPdf, SelfCarePlans } from './application/care-plan/self-care-plan.ports';
import { SelfCarePlansConsumer } from './application/care-plan/self-care-plans.consumer';
import { PdfKitSelfCarePlanPdf } from './infrastructure/care-plan/pdfkit-self-care-plan.pdf';
import { PostgresSelfCarePlans } from './infrastructure/care-plan/postgres-self-care-plans';
import { MeasurementsToPmdConsumer } from './application/pmd/measurements-to-pmd.consumer';
import { EnrolmentsForPmdConsumer } from './application/pmd/enrolments-for-pmd.consumer';
import { MeasurementsIntake, PatientIdentities, PmdGateway, PmdInLedger, PmdInPatients, PmdOutbox } from './application/pmd/pmd.ports';
import { PmdFetcher } from './application/pmd/pmd-fetcher';
import { PmdSender } from './application/pmd/pmd-sender';
import { PMD_SETTINGS, type PmdSettings } from './application/pmd/pmd-settings';
import { isOrganisationNumber } from './domain/organisation-number';
import { HelseIdPmdGateway } from './infrastructure/pmd/helseid-pmd-gateway';
import { PathwaysPatientIdentities } from './infrastructure/pmd/pathways-patient-identities';
import { HttpMeasurementsIntake } from './infrastructure/pmd/http-measurements-intake';
import { PostgresPmdInLedger, PostgresPmdInPatients } from './infrastructure/pmd/postgres-pmd-in';
import { PostgresPmdOutbox } from './infrastructure/pmd/postgres-pmd-outbox';

/**
 * Pasientens måledata's settings. PMD_BASE_URL unset: no PMD exchange (the default). Set: the hospital's
 * organisation number and a HelseID client (token endpoint, client id, private key as a JWK file or inline, scopes)
 * are required, and start-up lists every one missing.
 */
export function loadPmdConfig(source: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(
    {
      PMD_BASE_URL: z.string().url('expected PMD\'s FHIR base URL').optional(),
      PMD_ORGANISATION_NUMBER: z.string().refine(isOrganisationNumber, 'expected the hospital\'s 9-digit organisation number').optional(),
      PMD_SCOPE: z.string().min(1).optional(),
      HELSEID_TOKEN_ENDPOINT: z.string().url('expected HelseID\'s token endpoint URL').optional(),
      HELSEID_CLIENT_ID: z.string().min(1).optional(),
      HELSEID_CLIENT_JWK_FILE: z.string().min(1).optional(),
      HELSEID_CLIENT_JWK: z.string().min(1).optional(),
      PMD_BATCH_SIZE: env.int(50),
      PMD_MAX_ATTEMPTS: env.int(10),
      PMD_RETRY_BASE_MS: env.int(2_000),
      PMD_RETRY_MAX_MS: env.int(300_000),
      PMD_SEND_INTERVAL_MS: env.int(1_000),
      PMD_LEASE_MS: env.int(60_000),
      PMD_IDENTITY_CACHE_SECONDS: env.int(600),
      // PMD in: how often each enrolled patient's measurements are fetched, and how often the job looks.
      PMD_FETCH_INTERVAL_SECONDS: env.int(900),
      PMD_FETCH_TICK_MS: env.int(5_000),
      // Measurements' HTTP base, where what is fetched from PMD is recorded.
      MEASUREMENTS_URL: env.url(`http://127.0.0.1:${SERVICE_PORTS.measurements.http}`),
      // Self-care plans: the municipality's FHIR base they are written to (PMD takes Observations only), and the
      // HelseID scope for it (PMD_SCOPE unless set). Unset: self-care plans are not shared.
      SELF_CARE_PLAN_BASE_URL: z.string().url('expected the municipality\'s FHIR base URL').optional(),
      SELF_CARE_PLAN_SCOPE: z.string().min(1).optional(),
    },
    source,
  );
  if (config.SELF_CARE_PLAN_BASE_URL && !config.PMD_BASE_URL) throw new ConfigError(['SELF_CARE_PLAN_BASE_URL: self-care plans are sent with PMD\'s HelseID client; set PMD_BASE_URL and its HELSEID_* settings too']);
  if (!config.PMD_BASE_URL) return undefined;
  const missing = (['PMD_ORGANISATION_NUMBER', 'PMD_SCOPE', 'HELSEID_TOKEN_ENDPOINT', 'HELSEID_CLIENT_ID'] as const).filter((k) => !config[k]).map((k) => `${k}: required when PMD_BASE_URL is set`);
  if (!config.HELSEID_CLIENT_JWK_FILE && !config.HELSEID_CLIENT_JWK) missing.push('HELSEID_CLIENT_JWK_FILE: required when PMD_BASE_URL is set (or HELSEID_CLIENT_JWK with the private JWK inline)');
  if (config.PMD_BATCH_SIZE < 1) missing.push('PMD_BATCH_SIZE: expected at least 1');
  if (config.PMD_MAX_ATTEMPTS < 1) missing.push('PMD_MAX_ATTEMPTS: expected at least 1');
  if (missing.length > 0) throw new ConfigError(missing);
  return { ...config, PMD_BASE_URL: config.PMD_BASE_URL, PMD_ORGANISATION_NUMBER: config.PMD_ORGANISATION_NUMBER!, PMD_SCOPE: config.PMD_SCOPE!, HELSEID_TOKEN_ENDPOINT: config.HELSEID_TOKEN_ENDPOINT!, HELSEID_CLIENT_ID: config.HELSEID_CLIENT_ID! };
}

/** The validated PMD settings (undefined: PMD is not configured). */
export type PmdConfig = NonNullable<ReturnType<typeof loadPmdConfig>>;

/** Patients' national ids, asked of pathways (every answer in its access log) and kept in memory for `cacheSeconds`: PMD and the public feed need them. */
export function patientIdentitiesProvider(infra: Infrastructure, cacheSeconds: number): Provider {
  return { provide: PatientIdentities, useFactory: () => new PathwaysPatientIdentities(infra.config.peers.pathwaysGrpc, infra.credentials, cacheSeconds * 1000) };
}

/** Sharing with Pasientens måledata, for the sharing module (with {@link patientIdentitiesProvider}): the queue fed by measurements, the sender, and the HelseID client it sends with. */
export function pmdProviders(infra: Infrastructure, config: PmdConfig): Provider[] {
  const settings: PmdSettings = {
    organisationNumber: config.PMD_ORGANISATION_NUMBER,
    batchSize: config.PMD_BATCH_SIZE,
    retry: { baseMs: config.PMD_RETRY_BASE_MS, maxMs: config.PMD_RETRY_MAX_MS, maxAttempts: config.PMD_MAX_ATTEMPTS },
    leaseMs: config.PMD_LEASE_MS,
    sendIntervalMs: config.PMD_SEND_INTERVAL_MS,
    fetchIntervalMs: config.PMD_FETCH_INTERVAL_SECONDS * 1000,
    fetchTickMs: config.PMD_FETCH_TICK_MS,
    pmdIdentifierSystem: `${config.PMD_BASE_URL.replace(/\/$/, '')}/Observation`,
  };
  // Measurements' HTTP API takes public-API tokens (audience OIDC_AUDIENCE), not the per-service gRPC audience.
  const publicApiCredentials = new ClientCredentialsTokens({ ...infra.config.serviceIdentity, audienceOf: () => infra.config.auth.audience });
  const key = config.HELSEID_CLIENT_JWK_FILE ? new JwkFileKeySource(config.HELSEID_CLIENT_JWK_FILE) : new StaticKeySource(signingKeyFromJwk(config.HELSEID_CLIENT_JWK!, 'HELSEID_CLIENT_JWK'));
  const helseId = new HelseIdClient({ tokenEndpoint: config.HELSEID_TOKEN_ENDPOINT, clientId: config.HELSEID_CLIENT_ID, scope: config.PMD_SCOPE, key });
  return [
    { provide: PMD_SETTINGS, useValue: settings },
    { provide: HelseIdClient, useValue: helseId },
    ...(config.SELF_CARE_PLAN_BASE_URL ? selfCarePlanProviders(config.SELF_CARE_PLAN_BASE_URL, config.SELF_CARE_PLAN_SCOPE && config.SELF_CARE_PLAN_SCOPE !== config.PMD_SCOPE ? new HelseIdClient({ tokenEndpoint: config.HELSEID_TOKEN_ENDPOINT, clientId: config.HELSEID_CLIENT_ID, scope: config.SELF_CARE_PLAN_SCOPE, key }) : helseId) : []),
    { provide: PmdGateway, useFactory: () => new HelseIdPmdGateway(config.PMD_BASE_URL, helseId) },
    PostgresPmdOutbox,
    { provide: PmdOutbox, useExisting: PostgresPmdOutbox },
    PmdSender,
    MeasurementsToPmdConsumer,
    // PMD in.
    PostgresPmdInPatients,
    { provide: PmdInPatients, useExisting: PostgresPmdInPatients },
    PostgresPmdInLedger,
    { provide: PmdInLedger, useExisting: PostgresPmdInLedger },
    { provide: MeasurementsIntake, useFactory: () => new HttpMeasurementsIntake(config.MEASUREMENTS_URL, publicApiCredentials) },
    PmdFetcher,
    EnrolmentsForPmdConsumer,
  ];
}

/** Self-care plans shared as CarePlan + PDF with the municipality's FHIR server at `baseUrl`, with `helseId`'s tokens (issue #21 item 6). */
function selfCarePlanProviders(baseUrl: string, helseId: HelseIdClient): Provider[] {
  return [
    PostgresSelfCarePlans,
    { provide: SelfCarePlans, useExisting: PostgresSelfCarePlans },
    PdfKitSelfCarePlanPdf,
    { provide: SelfCarePlanPdf, useExisting: PdfKitSelfCarePlanPdf },
    { provide: SELF_CARE_PLAN_GATEWAY, useFactory: () => new HelseIdPmdGateway(baseUrl, helseId) },
    SelfCarePlansConsumer,
    SelfCarePlanSender,
  ];
}
