// k6 scenario of continuous streams (plain JavaScript: k6 runs it in its own runtime, see observation-ingest.js).
// Every patient posts one chunk of SAMPLES 1 Hz SpO2 samples (FHIR valueSampledData) every SAMPLES seconds:
// 5 000 patients with 60-sample chunks are ~83 chunks/s carrying 5 000 samples/s. bench.ts sets RATE to
// patients / SAMPLES and reads the same ingest_ok / ingest_success metrics as the Observation scenario.
//
// Environment: BASE_URL, PATIENTS_FILE (JSON [{patientId, token}]), RATE (chunks/s), DURATION, SUMMARY_FILE,
// RUN_ID, SAMPLES (samples per chunk, default 60), optionally PRE_ALLOCATED_VUS / MAX_VUS.
import http from 'k6/http';
import exec from 'k6/execution';
import { Counter } from 'k6/metrics';
import { arrivalRateOptions, countAnswer, writeSummary } from './k6-ingest.js';

const patients = JSON.parse(open(__ENV.PATIENTS_FILE));
const samples = Number(__ENV.SAMPLES || 60);
const samplesIngested = new Counter('samples_ok');
// Chunks are dated from an hour before the run, so none is in the future however long the run lasts.
const firstChunkAt = Math.floor((Date.now() - 3_600_000) / 1000) * 1000;

export const options = arrivalRateOptions('streams', true);

export default function () {
  const iteration = exec.scenario.iterationInTest;
  const patient = patients[iteration % patients.length];
  // The patient's k-th chunk follows its (k-1)-th without a gap, as a wearable's upload would.
  const k = Math.floor(iteration / patients.length);
  const data = Array.from({ length: samples }, (_, i) => 94 + ((i + k) % 5)).join(' ');
  const chunk = {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '59408-5' }] },
    subject: { reference: `Patient/${patient.patientId}` },
    effectivePeriod: { start: new Date(firstChunkAt + k * samples * 1000).toISOString() },
    valueSampledData: { origin: { value: 0, system: 'http://unitsofmeasure.org', code: '%' }, period: 1000, dimensions: 1, data },
    identifier: [{ system: 'urn:varde:bench:stream', value: `${__ENV.RUN_ID}-${patient.patientId}-${k}` }],
  };
  const response = http.post(`${__ENV.BASE_URL}/fhir/Observation`, JSON.stringify(chunk), {
    headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${patient.token}` },
    tags: { name: 'POST /fhir/Observation (stream chunk)' },
    responseType: 'none',
  });
  if (countAnswer(response, 'stream chunk')) samplesIngested.add(samples);
}

export const handleSummary = writeSummary;
