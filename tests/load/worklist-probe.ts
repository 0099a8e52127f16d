import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/** Percentiles of a set of latencies, in milliseconds (nearest-rank). */
export type LatencySummary = Readonly<{ count: number; p50: number; p95: number; p99: number; max: number; mean: number }>;

/** A patient the bench can act as. */
export type BenchPatient = Readonly<{ patientId: string; token: string }>;

/** What the ingest → worklist probes found. */
export type ProbeReport = Readonly<{
  probes: number;
  completed: number;
  timedOut: number;
  failed: number;
  /** The first few failures, as the platform answered them. */
  errors: readonly string[];
  /** The worklist read used for polling. */
  worklistQuery: string;
  pollIntervalMs: number;
  /** From just before the low-SpO2 Observation is posted until a worklist read first shows the patient red. */
  latencyMs: LatencySummary;
}>;

/** Options of {@link runWorklistProbes}. */
export type ProbeOptions = Readonly<{
  baseUrl: string;
  clinicianToken: string;
  /** Each used exactly once, so a probe can only turn red because of its own Observation. */
  patients: readonly BenchPatient[];
  /** Gap between the start of one probe and the next. */
  spacingMs: number;
  pollIntervalMs: number;
  timeoutMs: number;
  runId: string;
}>;

const LOW_SPO2 = 88;

/**
 * Measures ingest → worklist latency: each probe patient posts one SpO2 88 % Observation, and a single
 * shared poller reads the worklist every `pollIntervalMs` until that patient shows red. One poller for all
 * probes keeps the read load constant however many probes are in flight, so the probes do not inflate the
 * latency they measure. Resolution is the poll interval plus one worklist read.
 */
export async function runWorklistProbes(options: ProbeOptions): Promise<ProbeReport> {
  const worklistQuery = await chooseWorklistQuery(options.baseUrl, options.clinicianToken);
  const pending = new Map<string, { t0: number; done: (latency: number | 'timeout') => void }>();
  const errors: string[] = [];
  let failed = 0;
  let polling = true;
  const poller = (async () => {
    while (polling) {
      if (pending.size > 0) {
        const red = await readRedPatients(options.baseUrl + worklistQuery, options.clinicianToken).catch((error: unknown) => {
          errors.push(`worklist read: ${String(error)}`);
          return new Set<string>();
        });
        const now = performance.now();
        for (const [patientId, probe] of pending) {
          if (red.has(patientId)) probe.done(now - probe.t0);
          else if (now - probe.t0 > options.timeoutMs) probe.done('timeout');
        }
      }
      await sleep(options.pollIntervalMs);
    }
  })();

  const outcomes = await Promise.all(
    options.patients.map(async (patient, index): Promise<number | 'timeout' | 'failed'> => {
      await sleep(index * options.spacingMs);
      const seen = new Promise<number | 'timeout'>((resolve) => {
        pending.set(patient.patientId, {
          t0: performance.now(),
          done: (latency) => {
            pending.delete(patient.patientId);
            resolve(latency);
          },
        });
      });
      const posted = await postLowSpO2(options.baseUrl, patient, `${options.runId}-probe-${index}`);
      if (posted !== undefined) {
        pending.delete(patient.patientId);
        failed++;
        errors.push(posted);
        return 'failed';
      }
      return seen;
    }),
  );
  polling = false;
  await poller;
  const latencies = outcomes.filter((o): o is number => typeof o === 'number');
  return {
    probes: options.patients.length,
    completed: latencies.length,
    timedOut: outcomes.filter((o) => o === 'timeout').length,
    failed,
    errors: errors.slice(0, 5),
    worklistQuery,
    pollIntervalMs: options.pollIntervalMs,
    latencyMs: summarise(latencies),
  };
}

/** Nearest-rank percentiles of `values` (ms, rounded to 0.1); all zero for an empty set. */
export function summarise(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number): number => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!);
  const round = (ms: number): number => Math.round(ms * 10) / 10;
  const mean = sorted.length === 0 ? 0 : sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return { count: sorted.length, p50: round(at(50)), p95: round(at(95)), p99: round(at(99)), max: round(at(100)), mean: round(mean) };
}

/** The narrowest worklist read the triage service answers: red entries only if it can filter, else all. */
async function chooseWorklistQuery(baseUrl: string, token: string): Promise<string> {
  const narrow = '/api/worklist?colour=red&limit=1000';
  const response = await fetch(baseUrl + narrow, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
  await response.arrayBuffer();
  if (response.ok) return narrow;
  process.stderr.write(`[probe] ${narrow} answered ${response.status}; polling the whole /api/worklist instead\n`);
  return '/api/worklist';
}

async function readRedPatients(url: string, token: string): Promise<Set<string>> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`GET worklist ${response.status}: ${(await response.text()).slice(0, 200)}`);
  const body = (await response.json()) as { entries?: ReadonlyArray<{ patientId?: string; colour?: string }> };
  return new Set((body.entries ?? []).filter((e) => e.colour === 'red' && e.patientId).map((e) => e.patientId!));
}

/** Posts the probe's Observation; returns why it failed, or undefined when the platform took it. */
async function postLowSpO2(baseUrl: string, patient: BenchPatient, identifier: string): Promise<string | undefined> {
  const observation = {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '2708-6' }] },
    subject: { reference: `Patient/${patient.patientId}` },
    effectiveDateTime: new Date().toISOString(),
    valueQuantity: { value: LOW_SPO2, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
    identifier: [{ system: 'urn:varde:bench', value: identifier }],
  };
  try {
    const response = await fetch(`${baseUrl}/fhir/Observation`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${patient.token}` },
      body: JSON.stringify(observation),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    return response.status === 201 ? undefined : `POST /fhir/Observation ${response.status}: ${text.slice(0, 200)}`;
  } catch (error) {
    return `POST /fhir/Observation: ${String(error)}`;
  }
}
