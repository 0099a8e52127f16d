// k6 executes scripts in its own embedded JavaScript runtime (Sobek, inside the Go binary), not in Node, so
// this is the one plain-JavaScript file of the benchmark: it cannot use @swc-node/register or our libraries.
// tests/load/bench.ts prepares everything (platform, patients, tokens) and reads the summary this writes.
//
// Environment (all set by bench.ts): BASE_URL, PATIENTS_FILE (JSON [{patientId, token}]), RATE (requests/s),
// DURATION (e.g. "30s"), SUMMARY_FILE (where handleSummary writes the end-of-test summary JSON), RUN_ID,
// and optionally PRE_ALLOCATED_VUS / MAX_VUS.
import http from 'k6/http';
import exec from 'k6/execution';
import { Counter, Rate } from 'k6/metrics';

const patients = JSON.parse(open(__ENV.PATIENTS_FILE));
const rate = Number(__ENV.RATE);
const ingested = new Counter('ingest_ok');
const ingestSuccess = new Rate('ingest_success');
// A broken platform fails every request; a few answers from a few VUs say why without flooding the log.
const maxErrorLogs = 2;
const loggingVus = 3;
let errorLogs = 0;

export const options = {
  discardResponseBodies: false,
  scenarios: {
    ingest: {
      executor: 'constant-arrival-rate',
      rate,
      timeUnit: '1s',
      duration: __ENV.DURATION,
      preAllocatedVUs: Number(__ENV.PRE_ALLOCATED_VUS || Math.max(20, Math.ceil(rate / 2))),
      maxVUs: Number(__ENV.MAX_VUS || Math.max(100, rate * 2)),
      gracefulStop: '10s',
    },
  },
  // Reporting only: bench.ts treats k6's "thresholds crossed" exit code (99) as a finished run, so these
  // mark figures in the summary without ever failing a benchmark.
  thresholds: {
    ingest_success: ['rate>0.99'],
    'http_req_duration{expected_response:true}': ['p(95)<500'],
  },
  summaryTrendStats: ['avg', 'min', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'],
};

export default function () {
  const iteration = exec.scenario.iterationInTest;
  const patient = patients[iteration % patients.length];
  const observation = {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '2708-6' }] },
    subject: { reference: `Patient/${patient.patientId}` },
    effectiveDateTime: new Date().toISOString(),
    // A normal SpO2, so the load itself does not turn the pool red and the worklist stays realistic.
    valueQuantity: { value: 95 + (iteration % 4), unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
    identifier: [{ system: 'urn:varde:bench', value: `${__ENV.RUN_ID}-${iteration}` }],
  };
  const response = http.post(`${__ENV.BASE_URL}/fhir/Observation`, JSON.stringify(observation), {
    headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${patient.token}` },
    tags: { name: 'POST /fhir/Observation' },
  });
  const ok = response.status === 201;
  ingestSuccess.add(ok);
  if (ok) ingested.add(1);
  else if (exec.vu.idInTest <= loggingVus && errorLogs++ < maxErrorLogs) console.warn(`ingest ${response.status}: ${String(response.body).slice(0, 300)}`);
}

export function handleSummary(data) {
  return { [__ENV.SUMMARY_FILE]: JSON.stringify(data, null, 2) };
}
