/**
 * `npm run audit:verify -- --from <instant> --to <instant> [--pathway <id>]`: the bulk check of a period (issue #22
 * item 3). Walks every service's event log beside its hash chain (as audit:check), then re-runs every triage
 * decision recorded in the period with its recorded inputs and rule set version (triage's verify) and reports how
 * many verified, which differ (with the difference) and which could not be verified (with why): a readable
 * summary, and JSON with --json or into --report <file>. Exit code 1 when a chain is broken or any decision does
 * not verify. Reads only.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { ChainReport } from '@varde/event-sourcing';
import { runCli, UsageError } from '../cli';
import { ApiError, apiTarget, callApi, type ApiTarget } from '../triage/api-client';
import { chainSummary, checkChains, servicesOf, trustedKeysOf } from './chains';

const USAGE = `usage: npm run audit:verify -- --from <instant> --to <instant> [--pathway <id>] [--reason <text>]
                            [--trusted-key <public key PEM>]... [--skip-chains] [--concurrency <n>] [--json] [--report <file>]

  --from, --to     the period: decisions recorded from --from up to (not including) --to, ISO 8601 (2026-11-01 or 2026-11-01T00:00:00Z)
  --pathway        only patients enrolled on this pathway (e.g. copd)
  --reason         why, written to each patient's access log (default: "bulk verification of triage decisions <from> to <to>")
  --trusted-key    the operator's published public key for the chain checkpoints (as audit:check)
  --skip-chains    re-run the decisions only
  --concurrency    decisions re-run at once (default 4)
  --report         also write the JSON report to this file
environment: VARDE_URL (default http://localhost:8080), VARDE_TOKEN (default: an auditor dev token), and for the
chains the services' own settings (DATABASE_URL, DB_SCHEMA; default: the embedded PostgreSQL of npm start)`;

type Decision = Readonly<{ patientId: string; data: { assessmentId: string }; effectiveTime: string; recordedTime: string; replay: { href: string } }>;
type Verification = Readonly<{ verified: boolean; assessmentId: string; recorded: { colour: string; reasons: string[] }; replayed: { colour: string; reasons: string[] }; ruleSet: { id: string; version: number }; differences: string[] }>;

// What became of one decision.
type DecisionOutcome =
  | Readonly<{ outcome: 'verified'; patientId: string; assessmentId: string; ruleSet: string; colour: string }>
  | Readonly<{ outcome: 'differs'; patientId: string; assessmentId: string; ruleSet: string; recorded: Verification['recorded']; replayed: Verification['replayed']; differences: readonly string[] }>
  | Readonly<{ outcome: 'unverifiable'; patientId: string; assessmentId: string; why: string }>;

// The whole report.
type VerifyReport = Readonly<{
  period: Readonly<{ from: string; to: string; pathway?: string }>;
  chains: readonly ChainReport[] | 'skipped';
  decisions: Readonly<{ total: number; verified: number; differing: number; unverifiable: number; perSecond: number; seconds: number }>;
  differing: readonly DecisionOutcome[];
  unverifiable: readonly DecisionOutcome[];
}>;

const instant = (name: string, value: string | undefined): string => {
  if (!value) throw new UsageError(`--${name} is required`);
  const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(date.getTime())) throw new UsageError(`--${name}: expected an ISO 8601 date or instant, got "${value}"`);
  return date.toISOString();
};

runCli(async () => {
  const { values } = parseArgs({
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      pathway: { type: 'string' },
      reason: { type: 'string' },
      'trusted-key': { type: 'string', multiple: true },
      'skip-chains': { type: 'boolean', default: false },
      concurrency: { type: 'string', default: '4' },
      json: { type: 'boolean', default: false },
      report: { type: 'string' },
    },
    strict: true,
  });
  const from = instant('from', values.from);
  const to = instant('to', values.to);
  if (from >= to) throw new UsageError('--to must be after --from');
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32) throw new UsageError('--concurrency: expected a whole number from 1 to 32');
  const reason = values.reason ?? `bulk verification of triage decisions ${from} to ${to}`;
  // An HTTP header carries Latin-1 only (æ, ø and å are fine; an en dash or an emoji is not).
  if ([...reason].some((c) => c.codePointAt(0)! > 0xff)) throw new UsageError('--reason: use letters, digits and punctuation of Latin-1 (it travels in an HTTP header)');

  const chains = values['skip-chains'] ? 'skipped' : await checkChains(servicesOf(undefined), { trustedKeys: trustedKeysOf(values['trusted-key']), checkpoints: [] });
  const target = await apiTarget('auditor');
  const started = Date.now();
  const decisions = await listDecisions(target, { from, to, ...(values.pathway ? { pathway: values.pathway } : {}) }, reason);
  const outcomes = await mapConcurrently(decisions, concurrency, (d) => verify(target, d, reason), (done) => progress(done, decisions.length, started));
  process.stderr.write('\n');
  const seconds = (Date.now() - started) / 1000;
  const count = (outcome: DecisionOutcome['outcome']) => outcomes.filter((o) => o.outcome === outcome);
  const report: VerifyReport = {
    period: { from, to, ...(values.pathway ? { pathway: values.pathway } : {}) },
    chains,
    decisions: { total: outcomes.length, verified: count('verified').length, differing: count('differs').length, unverifiable: count('unverifiable').length, seconds, perSecond: outcomes.length / Math.max(seconds, 0.001) },
    differing: count('differs'),
    unverifiable: count('unverifiable'),
  };
  if (values.report) writeFileSync(values.report, JSON.stringify(report, null, 2));
  const ok = (chains === 'skipped' || chains.every((c) => c.ok)) && report.decisions.differing === 0 && report.decisions.unverifiable === 0;
  return { output: values.json ? JSON.stringify(report, null, 2) : summary(report).join('\n'), ok };
}, USAGE);

async function listDecisions(target: ApiTarget, period: Readonly<{ from: string; to: string; pathway?: string }>, reason: string): Promise<Decision[]> {
  const all: Decision[] = [];
  let page: string | undefined;
  do {
    const query = new URLSearchParams({ ...period, limit: '1000', ...(page ? { page } : {}) });
    const answer = await callApi<{ decisions: Decision[]; next?: string }>(target, 'GET', `/api/audit/decisions?${query.toString()}`, undefined, { 'audit-reason': reason });
    all.push(...answer.decisions);
    page = answer.next;
  } while (page);
  return all;
}

async function verify(target: ApiTarget, decision: Decision, reason: string): Promise<DecisionOutcome> {
  const { patientId } = decision;
  const assessmentId = decision.data.assessmentId;
  try {
    // Each re-run opens the patient in triage: the auditor's reason goes with it (and into the patient's access log).
    const v = await callApi<Verification>(target, 'POST', decision.replay.href, undefined, { 'audit-reason': reason });
    const ruleSet = `${v.ruleSet.id} v${v.ruleSet.version}`;
    return v.verified
      ? { outcome: 'verified', patientId, assessmentId, ruleSet, colour: v.recorded.colour }
      : { outcome: 'differs', patientId, assessmentId, ruleSet, recorded: v.recorded, replayed: v.replayed, differences: v.differences };
  } catch (error) {
    // Not found in triage's history, a rule set version triage no longer has, triage away: not verified, and why.
    if (error instanceof ApiError) return { outcome: 'unverifiable', patientId, assessmentId, why: error.message };
    throw error;
  }
}

/** Runs `work` over `items` with at most `limit` at once, in order of the results. */
async function mapConcurrently<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>, onDone: (done: number) => void): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!);
        onDone(++done);
      }
    }),
  );
  return results;
}

function progress(done: number, total: number, started: number): void {
  const width = 30;
  const filled = Math.round((done / Math.max(total, 1)) * width);
  const rate = done / Math.max((Date.now() - started) / 1000, 0.001);
  process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} decisions (${rate.toFixed(1)}/s)`);
}

function summary(report: VerifyReport): string[] {
  const d = report.decisions;
  const lines = [
    `Period ${report.period.from} – ${report.period.to}${report.period.pathway ? `, pathway ${report.period.pathway}` : ''}`,
    '',
    ...(report.chains === 'skipped' ? ['Event chains: skipped (--skip-chains)'] : ['Event chains:', ...chainSummary(report.chains)]),
    '',
    `Triage decisions: ${d.total} re-run in ${d.seconds.toFixed(1)} s (${d.perSecond.toFixed(1)}/s): ${d.verified} verified, ${d.differing} differ, ${d.unverifiable} could not be verified`,
    ...report.differing.flatMap((o) =>
      o.outcome === 'differs' ? [`  DIFFERS       ${o.assessmentId} (patient ${o.patientId}, ${o.ruleSet}): recorded ${o.recorded.colour}, replayed ${o.replayed.colour}`, ...o.differences.map((x) => `                ${x}`)] : [],
    ),
    ...report.unverifiable.flatMap((o) => (o.outcome === 'unverifiable' ? [`  UNVERIFIABLE  ${o.assessmentId} (patient ${o.patientId}): ${o.why}`] : [])),
  ];
  return lines;
}
