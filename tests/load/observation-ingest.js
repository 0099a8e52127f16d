// k6 executes scripts in its own embedded JavaScript runtime (Sobek, inside the Go binary), not in Node, so
// this is the one plain-JavaScript file of the benchmark: it cannot use @swc-node/register or our libraries.
// tests/load/bench.ts prepares everything (platform, patients, tokens) and reads the summary this writes.
//
// Environment (all set by bench.ts): BASE_URL, PATIENTS_FILE (JSON [{patientId, token}]), RATE (requests/s),
// DURATION (e.g. "30s"), SUMMARY_FILE (where handleSummary writes the end-of-test summary JSON), RUN_ID,
// and optionally PRE_ALLOCATED_VUS / MAX_VUS.
import http from 'k6/http';
import exec from 'k6/execution';
import { arrivalRateOptions, countAnswer, writeSummary } from './k6-ingest.js';

const patients = JSON.parse(open(__ENV.PATIENTS_FILE));

export const options = arrivalRateOptions('ingest', false);

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
  countAnswer(response, 'ingest');
}

export const handleSummary = writeSummary;
