// Import order matters: tracing must load before the modules it instruments.
import { tracing } from './tracing';
import { runService } from '@varde/platform';
import { triageService } from './triage.service';

runService(triageService, tracing);
