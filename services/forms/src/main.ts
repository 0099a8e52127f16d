// Import order matters: tracing must load before the modules it instruments.
import { tracing } from './tracing';
import { runService } from '@varde/platform';
import { formsService } from './forms.service';

runService(formsService, tracing);
