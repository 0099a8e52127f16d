import type { ServiceDefinition } from '@varde/platform';
import { measurementsIntegrationMapping } from './infrastructure/measurements.integration-mapping';
import { MeasurementsModule } from './measurements.module';

/** How the measurements service is assembled; used by main.ts and by the integration tests. */
export const measurementsService: ServiceDefinition = {
  service: 'measurements',
  module: (infra) => MeasurementsModule.forRoot(infra),
  relay: measurementsIntegrationMapping,
};
