import { enrolPatient, syntheticNationalId, startTestIssuer, type ServiceProcess, type TestIssuer } from '@varde/testing';
import pg from 'pg';
import { startMeasurementsStack } from './measurements-stack';

/** Measurements (in `schema`) and pathways as processes, one enrolled patient and that patient's token. */
export type EnrolledPatient = Readonly<{
  issuer: TestIssuer;
  db: pg.Pool;
  measurements: ServiceProcess;
  pathways: ServiceProcess;
  patientId: string;
  /** The patient's national identity number (synthetic), as enrolled. */
  nationalId: string;
  patientToken: string;
  /** Stops the services and closes the pool and the issuer. */
  stop: () => Promise<void>;
}>;

/** Starts measurements with the pathways it asks about enrolments and the sharing it asks about access, and enrols one patient. */
export async function startWithEnrolledPatient(databaseUrl: string, schema: string): Promise<EnrolledPatient> {
  const issuer = await startTestIssuer();
  const db = new pg.Pool({ connectionString: databaseUrl });
  // Sharing decides a clinician's access (CheckAccess) and keeps the access log.
  const { pathways, sharing, measurements } = await startMeasurementsStack(databaseUrl, issuer.url, schema);
  const nationalId = syntheticNationalId();
  const patientId = await enrolPatient(pathways.url, await issuer.token('clinician'), nationalId);
  const patientToken = await issuer.token('patient', { patientId });
  const stop = async (): Promise<void> => {
    await Promise.allSettled([measurements.stop(), pathways.stop(), sharing.stop()]);
    await db.end();
    await issuer.close();
  };
  return { issuer, db, measurements, pathways, patientId, nationalId, patientToken, stop };
}
