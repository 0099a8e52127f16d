// Regenerates libs/contracts/src/generated from proto/ with ts-proto (configured in buf.gen.yaml).
// Always regenerates: it takes about a second, and a stale cache would be worse than the wait.
import { runBuf } from './run-buf';

process.exitCode = runBuf(['generate']);
