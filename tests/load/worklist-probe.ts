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
  /** The read used for polling. */
  read: string;
  pollIntervalMs: number;
  /** From just before the low-SpO2 Observation is posted until a read of the worklist row first shows red. */
  latencyMs: LatencySummary;
}>;

/** Options of {@link runWorklistProbes}. */
export type ProbeOptions = Readonly<{
  baseUrl: string;
  /** Each used exactly once, so a probe can only turn red because of its own Observation. */
  patients: readonly BenchPatient[];
  /** Gap between the start of one probe and the next. */
  spacingMs: number;
  pollIntervalMs: number;
  timeoutMs: number;
  runId: string;
}>;

type Outcome = number | 'timeout' | string;

const LOW_SPO2 = 88;
const TRIAGE_READ = '/api/patients/:patientId/triage';

/**
 * Measures ingest → worklist latency: each probe patient posts one SpO2 88 % Observation and then reads its
 * own row of the worklist read model (`GET /api/patients/:id/triage`, the same table `GET /api/worklist`
 * lists) every `pollIntervalMs` until it is red. The per-patient read is the narrowest there is: each read
 * is one primary-key lookup and one access-log entry, where a polled worklist would log every red patient it
 * shows on every read and so inflate the latency it measures. Resolution is the poll interval plus one read.
 */
export async function runWorklistProbes(options: ProbeOptions): Promise<ProbeReport> {
  const outcomes = await Promise.all(
    options.patients.map(async (patient, index): Promise<Outcome> => {
      await sleep(index * options.spacingMs);
      return probe(options, patient, `${options.runId}-probe-${index}`);
    }),
  );
  const latencies = outcomes.filter((o): o is number => typeof o === 'number');
  const errors = outcomes.filter((o): o is string => typeof o === 'string' && o !== 'timeout');
  return {
    probes: options.patients.length,
    completed: latencies.length,
    timedOut: outcomes.filter((o) => o === 'timeout').length,
    failed: errors.length,
    errors: errors.slice(0, 5),
    read: TRIAGE_READ,
    pollIntervalMs: options.pollIntervalMs,
    latencyMs: summarise(latencies),
  };
}

async function probe(options: ProbeOptions, patient: BenchPatient, identifier: string): Promise<Outcome> {
  const t0 = performance.now();
  const posted = await postLowSpO2(options.baseUrl, patient, identifier);
  if (posted !== undefined) return posted;
  const url = options.baseUrl + TRIAGE_READ.replace(':patientId', patient.patientId);
  while (performance.now() - t0 < options.timeoutMs) {
    const response = await fetch(url, { headers: { authorization: `Bearer ${patient.token}` }, signal: AbortSignal.timeout(5_000) }).catch((error: unknown) => String(error));
    if (typeof response === 'string') return `GET ${TRIAGE_READ}: ${response}`;
    const t1 = performance.now();
    // 404 only until triage has heard of the patient; anything else that is not 200 is a fault worth showing.
    if (response.status === 200 && ((await response.json()) as { colour?: string }).colour === 'red') return t1 - t0;
    if (response.status !== 200 && response.status !== 404) return `GET ${TRIAGE_READ} ${response.status}: ${(await response.text()).slice(0, 200)}`;
    if (response.bodyUsed === false) await response.arrayBuffer();
    await sleep(options.pollIntervalMs);
  }
  return 'timeout';
}

/** Nearest-rank percentiles of `values` (ms, rounded to 0.1); all zero for an empty set. */
export function summarise(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number): number => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!);
  const round = (ms: number): number => Math.round(ms * 10) / 10;
  const mean = sorted.length === 0 ? 0 : sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return { count: sorted.length, p50: round(at(50)), p95: round(at(95)), p99: round(at(99)), max: round(at(100)), mean: round(mean) };
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
