import type { ServiceDefinition } from '@varde/platform';
import { sharingIntegrationMapping } from './infrastructure/sharing.integration-mapping';
import { SharingModule } from './sharing.module';
import { sharingMigrations } from './infrastructure/migrations/sharing.migrations';

/** How the sharing service is assembled; used by main.ts and by the integration tests. */
export const sharingService: ServiceDefinition = {
  service: 'sharing',
  module: (infra) => SharingModule.forRoot(infra),
  migrations: sharingMigrations,
  grpc: 'sharing',
  relay: sharingIntegrationMapping,
};
