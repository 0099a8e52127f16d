import type { ServiceDefinition } from '@varde/platform';
import { sharingIntegrationMapping } from './infrastructure/sharing.integration-mapping';
import { SharingModule } from './sharing.module';

/** How the sharing service is assembled; used by main.ts and by the integration tests. */
export const sharingService: ServiceDefinition = {
  service: 'sharing',
  module: (infra) => SharingModule.forRoot(infra),
  grpc: 'sharing',
  relay: sharingIntegrationMapping,
};
