import { DEFAULT_MAX_TOKEN_LIFETIME_SECONDS } from '@varde/auth';
import { env, loadConfig, z } from '@varde/config';

/** The five services and their default ports in embedded mode. */
export const SERVICE_PORTS = {
  pathways: { http: 8101, grpc: 9101 },
  forms: { http: 8102, grpc: 9102 },
  measurements: { http: 8103, grpc: 9103 },
  triage: { http: 8104, grpc: 9104 },
  sharing: { http: 8105, grpc: 9105 },
} as const;

/** Name of one of the five services. */
export type ServiceName = keyof typeof SERVICE_PORTS;

/** Default embedded PostgreSQL URL (see deploy/local). */
export const EMBEDDED_DATABASE_URL = 'postgres://varde:varde@127.0.0.1:5433/varde';
/** Default development issuer (deploy/local/dev-issuer). */
export const DEV_ISSUER = 'http://127.0.0.1:8090';

/** Configuration every service reads from its environment at start-up. */
export function loadPlatformConfig(service: ServiceName, source: NodeJS.ProcessEnv = process.env) {
  const ports = SERVICE_PORTS[service];
  const config = loadConfig(
    {
      HTTP_PORT: env.port(ports.http),
      GRPC_PORT: env.port(ports.grpc),
      HOST: z.string().default('127.0.0.1'),
      DATABASE_URL: env.databaseUrl(EMBEDDED_DATABASE_URL),
      DB_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'expected a lower-case schema name').default(service),
      DB_POOL_SIZE: env.int(10),
      KAFKA_BROKERS: env.list(),
      BUS_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'expected a lower-case schema name').default('varde_bus'),
      KAFKA_REPLICATION_FACTOR: env.int(1),
      KAFKA_SESSION_TIMEOUT_MS: env.int(10_000),
      // How long consumer groups keep the ids of the messages they handled, to recognise a redelivery (docs/operations/configuration.md).
      PROCESSED_MESSAGES_RETENTION_DAYS: z.coerce.number({ invalid_type_error: 'expected a number of days' }).int().min(1, 'expected at least 1 day, so a redelivered message is still recognised').default(7),
      OIDC_ISSUER: env.url(DEV_ISSUER),
      OIDC_AUDIENCE: z.string().min(1).default('varde'),
      OIDC_JWKS_URL: z.string().url('expected a URL').optional(),
      OIDC_MAX_TOKEN_LIFETIME_SECONDS: env.int(DEFAULT_MAX_TOKEN_LIFETIME_SECONDS),
      OIDC_TOKEN_URL: z.string().url('expected a URL').optional(),
      SERVICE_CLIENT_ID: z.string().min(1).default(`varde-${service}`),
      SERVICE_CLIENT_SECRET: z.string().min(1).optional(),
      SERVICE_AUDIENCE_PREFIX: z.string().min(1).default('varde-'),
      PATHWAYS_GRPC_URL: z.string().default(`127.0.0.1:${SERVICE_PORTS.pathways.grpc}`),
      SHARING_GRPC_URL: z.string().default(`127.0.0.1:${SERVICE_PORTS.sharing.grpc}`),
      TRIAGE_GRPC_URL: z.string().default(`127.0.0.1:${SERVICE_PORTS.triage.grpc}`),
      // Longest a permit of sharing's policy decision point is reused; ConsentChanged drops it sooner (docs/api/sharing.md).
      ACCESS_POLICY_CACHE_SECONDS: env.int(5),
      LOG_LEVEL: env.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
      SHUTDOWN_DRAIN_MS: env.int(0),
      BODY_LIMIT_BYTES: env.int(1_048_576),
      // High enough for a device gateway posting for hundreds of patients with one token (Bundles preferred), and for a
      // hospital's proxy or NAT that puts many users behind one address (docs/operations/configuration.md).
      RATE_LIMIT_PER_TOKEN_PER_MINUTE: env.int(6_000),
      RATE_LIMIT_PER_ADDRESS_PER_MINUTE: env.int(60_000),
      PUBLIC_BASE_URL: z.string().url('expected the public base URL, https://host').optional(),
      OPENAPI_PEERS: env.list(),
    },
    source,
  );
  return {
    service,
    http: { host: config.HOST, port: config.HTTP_PORT, bodyLimit: config.BODY_LIMIT_BYTES },
    grpc: { host: config.HOST, port: config.GRPC_PORT },
    database: { url: config.DATABASE_URL, schema: config.DB_SCHEMA, poolSize: config.DB_POOL_SIZE },
    messaging: config.KAFKA_BROKERS.length > 0
      ? { mode: 'kafka' as const, brokers: config.KAFKA_BROKERS, replicationFactor: config.KAFKA_REPLICATION_FACTOR, sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS }
      : { mode: 'embedded' as const, schema: config.BUS_SCHEMA },
    consumers: { processedRetentionMs: config.PROCESSED_MESSAGES_RETENTION_DAYS * 86_400_000 },
    auth: {
      issuer: config.OIDC_ISSUER,
      audience: config.OIDC_AUDIENCE,
      jwksUrl: config.OIDC_JWKS_URL ?? `${config.OIDC_ISSUER.replace(/\/$/, '')}/jwks`,
      maxLifetimeSeconds: config.OIDC_MAX_TOKEN_LIFETIME_SECONDS,
      // Service-to-service calls (ADR 0013): this service's tokens are for `varde-<service>`.
      serviceAudience: `${config.SERVICE_AUDIENCE_PREFIX}${service}`,
    },
    serviceIdentity: {
      tokenUrl: config.OIDC_TOKEN_URL ?? `${config.OIDC_ISSUER.replace(/\/$/, '')}/token`,
      clientId: config.SERVICE_CLIENT_ID,
      ...(config.SERVICE_CLIENT_SECRET === undefined ? {} : { clientSecret: config.SERVICE_CLIENT_SECRET }),
      audienceOf: (callee: ServiceName): string => `${config.SERVICE_AUDIENCE_PREFIX}${callee}`,
    },
    peers: { pathwaysGrpc: config.PATHWAYS_GRPC_URL, sharingGrpc: config.SHARING_GRPC_URL, triageGrpc: config.TRIAGE_GRPC_URL },
    accessPolicyCacheMs: config.ACCESS_POLICY_CACHE_SECONDS * 1000,
    logLevel: config.LOG_LEVEL,
    shutdownDrainMs: config.SHUTDOWN_DRAIN_MS,
    rateLimits: { perTokenPerMinute: config.RATE_LIMIT_PER_TOKEN_PER_MINUTE, perAddressPerMinute: config.RATE_LIMIT_PER_ADDRESS_PER_MINUTE },
    publicBaseUrl: config.PUBLIC_BASE_URL?.replace(/\/$/, ''),
    openApiPeers: config.OPENAPI_PEERS,
  };
}

/** The validated platform configuration of a service. */
export type PlatformConfig = ReturnType<typeof loadPlatformConfig>;
