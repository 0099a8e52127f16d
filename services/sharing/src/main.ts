// Import order matters: tracing must load before the modules it instruments.
import { tracing } from './tracing';
import { runService } from '@varde/platform';
import { sharingService } from './sharing.service';

runService(sharingService, tracing);
