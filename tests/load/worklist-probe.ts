import { randomBytes } from 'node:crypto';
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
  read: string;
  pollIntervalMs: number;
  /** From just before the low-SpO2 Observation is posted until a worklist read first shows the patient red. */
  latencyMs: LatencySummary;
  /** How long each worklist read took: the resolution of `latencyMs` is this plus the poll interval. */
  readMs: LatencySummary;
  /** How long the probes' POSTs took to be answered (part of `latencyMs`; the rest is relay, bus and triage). */
  postMs: LatencySummary;
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

type Outcome = number | 'timeout' | Readonly<{ error: string }>;

const LOW_SPO2 = 88;
// Only red rows: the load keeps its own patients green, so this stays as short as the number of probes.
const WORKLIST_READ = '/api/worklist?colour=red&limit=1000';

/**
 * Measures ingest → worklist latency: each probe patient posts one SpO2 88 % Observation, and one shared
 * poller reads the red worklist every `pollIntervalMs` until that patient is on it. One poller for all
 * probes keeps the read load (every worklist read is also written to the access log) constant however
 * many probes are in flight, so the probes disturb little what they measure. Resolution is the poll
 * interval plus one read.
 */
export async function runWorklistProbes(options: ProbeOptions): Promise<ProbeReport> {
  const pending = new Map<string, Readonly<{ t0: number; settle: (outcome: Outcome) => void }>>();
  const readErrors: string[] = [];
  const readDurations: number[] = [];
  const postDurations: number[] = [];
  let polling = true;
  const poller = (async () => {
    while (polling) {
      if (pending.size > 0) {
        const readStart = performance.now();
        const red = await readRedPatients(options.baseUrl + WORKLIST_READ, options.clinicianToken).catch((error: unknown) => {
          readErrors.push(String(error));
          return new Set<string>();
        });
        const now = performance.now();
        readDurations.push(now - readStart);
        for (const [patientId, probe] of pending) {
          if (red.has(patientId)) probe.settle(now - probe.t0);
          else if (now - probe.t0 > options.timeoutMs) probe.settle('timeout');
        }
      }
      await sleep(options.pollIntervalMs);
    }
  })();

  const outcomes = await Promise.all(
    options.patients.map(async (patient, index): Promise<Outcome> => {
      await sleep(index * options.spacingMs);
      // Registered before the POST, so a red row seen while the POST is still answering counts.
      const outcome = new Promise<Outcome>((resolve) => {
        const settle = (o: Outcome): void => {
          if (!pending.delete(patient.patientId)) return;
          resolve(o);
        };
        pending.set(patient.patientId, { t0: performance.now(), settle });
      });
      const postStart = performance.now();
      const failure = await postLowSpO2(options.baseUrl, patient, `${options.runId}-probe-${index}`, options.timeoutMs);
      if (failure === undefined) postDurations.push(performance.now() - postStart);
      else pending.get(patient.patientId)?.settle({ error: failure });
      return outcome;
    }),
  );
  polling = false;
  await poller;
  const latencies = outcomes.filter((o): o is number => typeof o === 'number');
  const errors = [...outcomes.flatMap((o) => (typeof o === 'object' ? [o.error] : [])), ...readErrors.map((e) => `worklist read: ${e}`)];
  return {
    probes: options.patients.length,
    completed: latencies.length,
    timedOut: outcomes.filter((o) => o === 'timeout').length,
    failed: outcomes.filter((o) => typeof o === 'object').length,
    errors: errors.slice(0, 5),
    read: WORKLIST_READ,
    pollIntervalMs: options.pollIntervalMs,
    latencyMs: summarise(latencies),
    readMs: summarise(readDurations),
    postMs: summarise(postDurations),
  };
}

async function readRedPatients(url: string, token: string): Promise<Set<string>> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`GET ${WORKLIST_READ} ${response.status}: ${(await response.text()).slice(0, 200)}`);
  const body = (await response.json()) as { entries?: ReadonlyArray<{ patientId?: string; colour?: string }> };
  return new Set((body.entries ?? []).flatMap((e) => (e.colour === 'red' && e.patientId ? [e.patientId] : [])));
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
async function postLowSpO2(baseUrl: string, patient: BenchPatient, identifier: string, timeoutMs: number): Promise<string | undefined> {
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
      // A sampled trace context: with a collector and a sampler that keeps only sampled parents (docs/operations/
      // benchmarks.md), each probe is traced end to end while the load is not.
      headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${patient.token}`, traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01` },
      body: JSON.stringify(observation),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    return response.status === 201 ? undefined : `POST /fhir/Observation ${response.status}: ${text.slice(0, 200)}`;
  } catch (error) {
    return `POST /fhir/Observation: ${String(error)}`;
  }
}
