// What the k6 ingest scenarios share (plain JavaScript for k6's runtime; see observation-ingest.js): the
// constant-arrival-rate scenario, the metrics bench.ts reads, counting answers and the summary file.
import exec from 'k6/execution';
import { Counter, Rate } from 'k6/metrics';

const ingested = new Counter('ingest_ok');
const ingestSuccess = new Rate('ingest_success');
// A broken platform fails every request; a few answers from a few VUs say why without flooding the log.
const maxErrorLogs = 2;
const loggingVus = 3;
let errorLogs = 0;

/**
 * k6 options of a scenario posting at RATE requests/s for DURATION. Thresholds are reporting only: bench.ts
 * treats k6's "thresholds crossed" exit code (99) as a finished run.
 */
export function arrivalRateOptions(name, discardResponseBodies) {
  const rate = Number(__ENV.RATE);
  return {
    discardResponseBodies,
    scenarios: {
      [name]: {
        executor: 'constant-arrival-rate',
        rate,
        timeUnit: '1s',
        duration: __ENV.DURATION,
        preAllocatedVUs: Number(__ENV.PRE_ALLOCATED_VUS || Math.max(20, Math.ceil(rate / 2))),
        maxVUs: Number(__ENV.MAX_VUS || Math.max(100, rate * 2)),
        gracefulStop: '10s',
      },
    },
    thresholds: {
      ingest_success: ['rate>0.99'],
      'http_req_duration{expected_response:true}': ['p(95)<500'],
    },
    summaryTrendStats: ['avg', 'min', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'],
  };
}

/** Counts a 201 as ingested; logs the first few failures. Answers whether it was one. */
export function countAnswer(response, what) {
  const ok = response.status === 201;
  ingestSuccess.add(ok);
  if (ok) ingested.add(1);
  else if (exec.vu.idInTest <= loggingVus && errorLogs++ < maxErrorLogs) console.warn(`${what} ${response.status}: ${String(response.body ?? '').slice(0, 300)}`);
  return ok;
}

/** Writes the end-of-test summary where bench.ts reads it. */
export function writeSummary(data) {
  return { [__ENV.SUMMARY_FILE]: JSON.stringify(data, null, 2) };
}
