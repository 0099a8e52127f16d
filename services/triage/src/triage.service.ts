import type { ServiceDefinition } from '@varde/platform';
import { triageIntegrationMapping } from './infrastructure/triage.integration-mapping';
import { TriageModule } from './triage.module';
import { triageMigrations } from './infrastructure/migrations/triage.migrations';

/** How the triage service is assembled; used by main.ts and by the integration tests. */
export const triageService: ServiceDefinition = {
  service: 'triage',
  module: (infra) => TriageModule.forRoot(infra),
  migrations: triageMigrations,
  grpc: 'triage',
  relay: triageIntegrationMapping,
  // Rule sets are authored in YAML (or JSON, which is YAML too) and their problems reported by line.
  textBodies: ['application/yaml', 'application/x-yaml', 'text/yaml'],
};
