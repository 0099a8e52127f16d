import type { ServiceDefinition } from '@varde/platform';
import { pathwaysIntegrationMapping } from './infrastructure/pathways.integration-mapping';
import { PathwaysModule } from './pathways.module';
import { pathwaysMigrations } from './infrastructure/migrations/pathways.migrations';

/** How the pathways service is assembled; used by main.ts and by the integration tests. */
export const pathwaysService: ServiceDefinition = {
  service: 'pathways',
  module: (infra) => PathwaysModule.forRoot(infra),
  migrations: pathwaysMigrations,
  grpc: 'pathways',
  relay: pathwaysIntegrationMapping,
};
