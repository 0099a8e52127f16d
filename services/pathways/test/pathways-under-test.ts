import pg from 'pg';
import { createGrpcClient, type GrpcClient } from '@varde/platform';
import { accessLogOf, freshSchema, startPathwaysAndSharing, type AccessLogView, startServiceProcess, startTestIssuer, type ServiceProcess, type TestIssuer } from '@varde/testing';

/** The pathways service running as its own process on a fresh schema, with a token issuer, its gRPC client and a pool for counting rows. */
export type PathwaysUnderTest = Readonly<{ issuer: TestIssuer; pathways: ServiceProcess; sharing: ServiceProcess; triage?: ServiceProcess; grpc: GrpcClient; db: pg.Pool; schema: string; busSchema: string; stop: () => Promise<void> }>;

/**
 * Starts pathways for a test file (`extraEnv` for its settings) with sharing, whose policy decision point pathways
 * asks for clinicians' and guardians' requests; with `withTriage`, a triage process first, which pathways asks
 * whether a pathway's rule set exists. `stop` ends everything it started.
 */
export async function startPathways(databaseUrl: string, schemaPrefix: string, extraEnv: Readonly<Record<string, string>> = {}, withTriage = false): Promise<PathwaysUnderTest> {
  const schema = freshSchema(schemaPrefix);
  const issuer = await startTestIssuer();
  // Triage asks pathways nothing at start; its gRPC peer is not needed by what these tests do.
  // With triage, both get a bus of their own, so the test sees only its own integration events.
  const busSchema = withTriage ? freshSchema(`${schemaPrefix}_bus`) : 'varde_bus';
  const triage = withTriage ? await startServiceProcess('triage', { DATABASE_URL: databaseUrl, OIDC_ISSUER: issuer.url, DB_SCHEMA: freshSchema(`${schemaPrefix}_triage`), BUS_SCHEMA: busSchema }) : undefined;
  const { pathways, sharing } = await startPathwaysAndSharing(
    { DATABASE_URL: databaseUrl, OIDC_ISSUER: issuer.url },
    {
      pathways: { DB_SCHEMA: schema, BUS_SCHEMA: busSchema, ...(triage ? { TRIAGE_URL: triage.url } : {}), ...extraEnv },
      // A bus of its own: these tests give no consents, and sharing need not read the shared bus's backlog.
      sharing: { DB_SCHEMA: freshSchema(`${schemaPrefix}_sharing`), BUS_SCHEMA: freshSchema(`${schemaPrefix}_sharing_bus`) },
    },
  );
  const grpc = createGrpcClient('pathways', pathways.grpcUrl);
  const db = new pg.Pool({ connectionString: databaseUrl });
  return {
    issuer,
    pathways,
    sharing,
    ...(triage ? { triage } : {}),
    grpc,
    db,
    schema,
    busSchema,
    stop: async () => {
      grpc.close();
      await pathways.stop();
      await sharing.stop();
      await triage?.stop();
      await issuer.close();
      await db.end();
    },
  };
}

/**
 * Waits until the patient's access log in sharing (pathways' outbox forwards each read there) holds the entries
 * `complete` looks for, and returns them all.
 */
export async function loggedReads(t: PathwaysUnderTest, patientId: string, complete: (entries: readonly AccessLogView[]) => boolean): Promise<readonly AccessLogView[]> {
  return accessLogOf(t.sharing.url, patientId, await t.issuer.token('patient', { patientId }), complete, 'the reads in the patient\'s access log');
}
