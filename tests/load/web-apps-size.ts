/**
 * `npm run bench:web-apps-size`: the gzipped size of each web app's initial JavaScript and CSS (what a phone
 * downloads before the first screen: the scripts and stylesheets index.html names), from a fresh build.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildWebApps } from '../../deploy/local/build-apps';
import { WEB_APPS } from '../../deploy/local/web-apps';

async function main(): Promise<void> {
  await buildWebApps({ force: process.argv.includes('--force') });
  for (const app of WEB_APPS) {
    const dist = join(__dirname, '..', '..', 'apps', app, 'dist');
    const html = await readFile(join(dist, 'index.html'), 'utf8');
    const assets = [...html.matchAll(/(?:src|href)="\/[^/]+\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
    let js = 0;
    let css = 0;
    for (const asset of assets) {
      const size = gzipSync(await readFile(join(dist, asset)), { level: 9 }).length;
      if (asset.endsWith('.js')) js += size;
      else css += size;
    }
    console.log(`${app}: initial JavaScript ${(js / 1024).toFixed(1)} KiB gzipped, CSS ${(css / 1024).toFixed(1)} KiB gzipped (${assets.length} files)`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
