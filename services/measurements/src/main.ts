// Import order matters: tracing must load before the modules it instruments.
import { tracing } from './tracing';
import { runService } from '@varde/platform';
import { measurementsService } from './measurements.service';

runService(measurementsService, tracing);
