import { startServiceStack, type ServiceProcess } from '@varde/testing';

/** Pathways, sharing and measurements (in `schema`) as processes, on the shared embedded bus schema the tests read. */
export async function startMeasurementsStack(databaseUrl: string, issuerUrl: string, schema: string): Promise<Record<'pathways' | 'sharing' | 'measurements', ServiceProcess>> {
  // Reads are written to the patient's access log in sharing before they are shown; pathways answers enrolments.
  const stack = await startServiceStack(['pathways', 'sharing', 'measurements'], { DATABASE_URL: databaseUrl, OIDC_ISSUER: issuerUrl, BUS_SCHEMA: 'varde_bus' }, { measurements: { DB_SCHEMA: schema } });
  return stack.services as Record<'pathways' | 'sharing' | 'measurements', ServiceProcess>;
}
