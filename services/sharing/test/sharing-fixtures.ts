import { freshSchema, startPathwaysAndSharing as startBoth, type ServiceProcess } from '@varde/testing';

/** Pathways, then sharing asking it for care teams (and pathways asking sharing's policy), as processes; sharing in `sharingSchema`. */
export function startPathwaysAndSharing(env: Readonly<Record<string, string>>, sharingSchema: string): Promise<{ pathways: ServiceProcess; sharing: ServiceProcess }> {
  return startBoth(env, { pathways: { DB_SCHEMA: freshSchema('pathways') }, sharing: { DB_SCHEMA: sharingSchema } });
}
