import { env, loadConfig, z } from '@varde/config';

/** How alerts escalate and how often triage's timers run; read once at start-up. */
export type AlertsConfig = Readonly<{
  /** How long a red alert may stay unacknowledged before (each further) escalation, unless its pathway says otherwise. */
  redAcknowledgeLimitSeconds: number;
  /** Per-pathway limits, by pathway id. */
  redAcknowledgeLimitByPathway: Readonly<Record<string, number>>;
  /** Teams or people to escalate to, level 1 first; past the end the last one is called again. */
  escalationChain: readonly string[];
  /** How often the scheduler looks for overdue red alerts. */
  escalationIntervalMs: number;
  /** How often the scheduler looks for patients whose missing-report check is due. */
  missingReportIntervalMs: number;
  /** How often the worklist's change feed (server-sent events) looks for a change while someone listens. */
  worklistChangesIntervalMs: number;
}>;

/** DI token of {@link AlertsConfig}. */
export const ALERTS_CONFIG = Symbol('ALERTS_CONFIG');

const seconds = z.coerce.number({ invalid_type_error: 'expected a number of seconds' }).int().min(1);
const milliseconds = z.coerce.number({ invalid_type_error: 'expected milliseconds' }).int().min(50);
const byPathway = env.list().transform((entries, ctx) => {
  const limits: Record<string, number> = {};
  for (const entry of entries) {
    const match = /^([a-z0-9][a-z0-9-]*)=(\d+)$/.exec(entry);
    if (!match || Number(match[2]) < 1) ctx.addIssue({ code: 'custom', message: `expected pathway=seconds, e.g. copd=1800; got "${entry}"` });
    else limits[match[1]!] = Number(match[2]);
  }
  return limits;
});

/**
 * Reads TRIAGE_RED_ACK_LIMIT_SECONDS (default 30 min), TRIAGE_RED_ACK_LIMITS (per pathway, "copd=1800,hf=900"),
 * TRIAGE_ESCALATION_CHAIN (default "care-team,on-call"), TRIAGE_ESCALATION_INTERVAL_MS (default 30 s),
 * TRIAGE_MISSING_REPORT_INTERVAL_MS (how often due missing-report checks run, default 60 s) and
 * TRIAGE_WORKLIST_CHANGES_INTERVAL_MS (how often the worklist's change feed checks, default 500 ms).
 */
export function loadAlertsConfig(source: NodeJS.ProcessEnv = process.env): AlertsConfig {
  const config = loadConfig(
    {
      TRIAGE_RED_ACK_LIMIT_SECONDS: seconds.default(1800),
      TRIAGE_RED_ACK_LIMITS: byPathway,
      TRIAGE_ESCALATION_CHAIN: env.list(),
      TRIAGE_ESCALATION_INTERVAL_MS: milliseconds.default(30_000),
      TRIAGE_MISSING_REPORT_INTERVAL_MS: milliseconds.default(60_000),
      TRIAGE_WORKLIST_CHANGES_INTERVAL_MS: milliseconds.default(500),
    },
    source,
  );
  return {
    redAcknowledgeLimitSeconds: config.TRIAGE_RED_ACK_LIMIT_SECONDS,
    redAcknowledgeLimitByPathway: config.TRIAGE_RED_ACK_LIMITS,
    escalationChain: config.TRIAGE_ESCALATION_CHAIN.length > 0 ? config.TRIAGE_ESCALATION_CHAIN : ['care-team', 'on-call'],
    escalationIntervalMs: config.TRIAGE_ESCALATION_INTERVAL_MS,
    missingReportIntervalMs: config.TRIAGE_MISSING_REPORT_INTERVAL_MS,
    worklistChangesIntervalMs: config.TRIAGE_WORKLIST_CHANGES_INTERVAL_MS,
  };
}

/** The red acknowledgement limit of a pathway. */
export const redLimitFor = (config: AlertsConfig, pathwayId: string): number => config.redAcknowledgeLimitByPathway[pathwayId] ?? config.redAcknowledgeLimitSeconds;
