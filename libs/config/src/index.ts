import { z } from 'zod';

/** Start-up configuration that does not fit: every problem, named by its environment variable. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads and validates configuration from environment variables once, at start-up. Each key of the schema
 * is an environment variable; defaults are the embedded-mode values, so `npm start` needs none.
 */
export function loadConfig<Shape extends z.ZodRawShape>(shape: Shape, env: NodeJS.ProcessEnv = process.env): z.infer<z.ZodObject<Shape>> {
  const result = z.object(shape).safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`));
}

/** Environment helpers with readable messages. */
export const env = {
  /** A TCP port number. */
  port: (fallback: number) => z.coerce.number({ invalid_type_error: 'expected a port number' }).int().min(1).max(65535).default(fallback),
  /** A URL. */
  url: (fallback?: string) => (fallback === undefined ? z.string().url('expected a URL') : z.string().url('expected a URL').default(fallback)),
  /** A PostgreSQL connection URL. */
  databaseUrl: (fallback: string) => z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL').default(fallback),
  /** A comma-separated list, e.g. KAFKA_BROKERS=host1:9092,host2:9092. */
  list: () => z.string().optional().transform((v) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : [])),
  /** A positive integer. */
  int: (fallback: number) => z.coerce.number({ invalid_type_error: 'expected a number' }).int().min(0).default(fallback),
  /** One of a fixed set of words. */
  oneOf: <T extends [string, ...string[]]>(values: T, fallback: T[number]) => z.enum(values).default(fallback as never),
};

export { z };
