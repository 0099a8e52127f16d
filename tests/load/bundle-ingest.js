// k6 scenario of batch ingest (plain JavaScript: k6 runs it in its own runtime, see observation-ingest.js).
// SENDERS virtual users each post FHIR `batch` Bundles back to back (a closed loop: the next Bundle leaves when
// the answer to the last one is in, as a device gateway's upload queue would) or, with MEASUREMENT_RATE set, at
// a constant arrival rate of MEASUREMENT_RATE ÷ BUNDLE_SIZE Bundles/s (an open loop: "1 000 measurements/s" as
// the issues state a load; up to SENDERS × 4 Bundles in flight, the rest dropped and counted), each of BUNDLE_SIZE Observations
// of one patient: SpO2 and pulse alternating, one second apart, every one with its own identifier. bench.ts
// reads bundles_ok / bundle_entries_ok and the bundles' http_req_duration.
//
// Each patient's readings form one record in time, as one device's would: the patient's j-th Bundle holds the
// seconds [j·BUNDLE_SIZE, (j+1)·BUNDLE_SIZE) after ORIGIN_MS, so no two Bundles of a patient overlap and each comes
// after the last. (Readings of the last BUNDLE_SIZE seconds before each post overlapped the patient's previous
// Bundles: nearly every reading was then late, and triage re-assessed the patient's history for each.) Simulated
// time runs ahead of the clock by measurements/s ÷ patients seconds a second, so ORIGIN_MS lies far enough back.
//
// Environment: BASE_URL, PATIENTS_FILE (JSON [{patientId, token}]), SENDERS, DURATION, SUMMARY_FILE, RUN_ID,
// BUNDLE_SIZE (entries per Bundle, default 500), MEASUREMENT_RATE (optional, measurements/s), ORIGIN_MS (epoch ms of the first reading, default two days ago),
// ABNORMAL_EVERY (optional: every N-th reading of a Bundle is an SpO2 of 88 %, below the COPD rule set's 90 %).
import http from 'k6/http';
import exec from 'k6/execution';
import { Counter, Rate } from 'k6/metrics';
import { writeSummary } from './k6-ingest.js';

const patients = JSON.parse(open(__ENV.PATIENTS_FILE));
const size = Number(__ENV.BUNDLE_SIZE || 500);
// Read once per virtual user at start-up, so it must be the same for all of them: bench.ts passes it.
const origin = Number(__ENV.ORIGIN_MS || Date.now() - 2 * 86_400_000);
const bundlesOk = new Counter('bundles_ok');
const entriesOk = new Counter('bundle_entries_ok');
const bundleSuccess = new Rate('ingest_success');
const CREATED = '"status":"201 Created"';
let errorLogs = 0;

const senders = Number(__ENV.SENDERS);
// An even N, so that the reading it replaces is an SpO2 one (SpO2 and pulse alternate).
const abnormalEvery = 2 * Math.ceil(Number(__ENV.ABNORMAL_EVERY || 0) / 2);
const rate = Number(__ENV.MEASUREMENT_RATE || 0);
export const options = {
  scenarios: {
    // k6's rate is a whole number per time unit: MEASUREMENT_RATE Bundles per BUNDLE_SIZE seconds is the rate asked.
    bundles:
      rate > 0
        ? { executor: 'constant-arrival-rate', rate, timeUnit: `${size}s`, duration: __ENV.DURATION, preAllocatedVUs: senders, maxVUs: senders * 4, gracefulStop: '60s' }
        : { executor: 'constant-vus', vus: senders, duration: __ENV.DURATION, gracefulStop: '60s' },
  },
  // Reporting only: bench.ts treats k6's "thresholds crossed" exit code (99) as a finished run.
  thresholds: { ingest_success: ['rate>0.99'] },
  summaryTrendStats: ['avg', 'min', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'],
};

const loinc = (code) => ({ coding: [{ system: 'http://loinc.org', code }] });
const quantity = (value, code) => ({ value, unit: code, system: 'http://unitsofmeasure.org', code });

export default function () {
  const iteration = exec.scenario.iterationInTest;
  const patient = patients[iteration % patients.length];
  const subject = { reference: `Patient/${patient.patientId}` };
  // The patient's next BUNDLE_SIZE seconds of readings, as a gateway uploading what it collected would send them.
  const start = origin + Math.floor(iteration / patients.length) * size * 1000;
  const entry = Array.from({ length: size }, (_, i) => ({
    resource: {
      resourceType: 'Observation',
      status: 'final',
      identifier: [{ system: 'urn:varde:bench:bundle', value: `${__ENV.RUN_ID}-${iteration}-${i}` }],
      // Normal values, so the load itself does not turn the pool red, unless ABNORMAL_EVERY asks for some.
      ...(i % 2 === 0
        ? { code: loinc('59408-5'), valueQuantity: quantity(abnormalEvery > 0 && i % abnormalEvery === 0 ? 88 : 95 + (i % 4), '%') }
        : { code: loinc('8867-4'), valueQuantity: quantity(60 + (i % 20), '/min') }),
      subject,
      effectiveDateTime: new Date(start + i * 1000).toISOString(),
    },
    request: { method: 'POST', url: 'Observation' },
  }));
  const response = http.post(`${__ENV.BASE_URL}/fhir`, JSON.stringify({ resourceType: 'Bundle', type: 'batch', entry }), {
    headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${patient.token}` },
    tags: { name: 'POST /fhir (batch Bundle)' },
    timeout: '120s',
  });
  // Counting the created entries in the text is far cheaper for k6 than parsing the answer.
  const created = response.status === 200 ? String(response.body).split(CREATED).length - 1 : 0;
  const ok = created === size;
  bundleSuccess.add(ok);
  entriesOk.add(created);
  if (ok) bundlesOk.add(1);
  else if (errorLogs++ < 2) console.warn(`bundle ${response.status}, ${created}/${size} created: ${String(response.body ?? '').slice(0, 300)}`);
}

export const handleSummary = writeSummary;
