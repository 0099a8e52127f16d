import type { ServiceDefinition } from '@varde/platform';
import { FormsModule } from './forms.module';
import { formsIntegrationMapping } from './infrastructure/forms.integration-mapping';

/** How the forms service is assembled; used by main.ts and by the integration tests. */
export const formsService: ServiceDefinition = {
  service: 'forms',
  module: (infra) => FormsModule.forRoot(infra),
  relay: formsIntegrationMapping,
};
