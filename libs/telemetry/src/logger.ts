import { hostname } from 'node:os';
import { trace } from '@opentelemetry/api';
import pino, { type DestinationStream, type Logger } from 'pino';
import { maskNationalIds, scrubLogLine, SENSITIVE_LOG_KEYS } from './log-scrubber';

export type { Logger } from 'pino';

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** Short service name, e.g. `measurements`; written as the `service` field of every line. */
  readonly service: string;
  /** pino level; defaults to `LOG_LEVEL` or `info`. */
  readonly level?: string;
  /** Where lines go; defaults to stdout. Tests pass a stream to read what was written. */
  readonly destination?: DestinationStream;
}

// pino's own redaction is fast but only reaches the paths listed here; the line scrubber behind it
// catches sensitive keys at any depth and identity numbers in any string, including the message.
const REDACT_PATHS = [
  ...SENSITIVE_LOG_KEYS,
  ...SENSITIVE_LOG_KEYS.map((key) => `*.${key}`),
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
];

/** Creates the JSON logger every Varde service uses: ISO time, `service` field, trace ids, no identities or health values. */
export function createLogger(options: LoggerOptions): Logger {
  const config: pino.LoggerOptions = {
    level: options.level ?? process.env['LOG_LEVEL'] ?? 'info',
    base: { service: options.service, pid: process.pid, hostname: hostname() },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACT_PATHS, censor: '[Redacted]' },
    // Lets an operator jump from a log line to its trace.
    mixin: () => {
      const spanContext = trace.getActiveSpan()?.spanContext();
      return spanContext ? { trace_id: spanContext.traceId, span_id: spanContext.spanId } : {};
    },
    hooks: { streamWrite: scrubLogLine },
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}

export { maskNationalIds, SENSITIVE_LOG_KEYS };
