/**
 * The image's entry point (`node dist/main.js`): runs the compiled service named by `SERVICE`, so one image
 * serves every Deployment and no shell is needed to pick the service.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const services = ['pathways', 'forms', 'measurements', 'triage', 'sharing'] as const;
const service = process.env['SERVICE'] ?? '';

if (!(services as readonly string[]).includes(service)) {
  process.stderr.write(`SERVICE must be one of ${services.join(', ')} (got ${service === '' ? 'nothing' : JSON.stringify(service)})\n`);
  process.exit(1);
}
const entry = join(__dirname, 'services', service, 'src', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write(`${entry} is missing: this image was built without the ${service} service\n`);
  process.exit(1);
}
// CommonJS, as the compiled services are: tracing must hook require() before the service's modules load.
createRequire(__filename)(entry);
