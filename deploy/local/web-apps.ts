import { stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** The web apps, each served under `/<name>/` from its built folder. */
export const WEB_APPS = ['clinician', 'patient'] as const;
/** One of {@link WEB_APPS}. */
export type WebApp = (typeof WEB_APPS)[number];

/** Where each app's built assets are, and the OIDC issuer they sign in with. */
export type WebAppsOptions = Readonly<{ dirs: Readonly<Record<WebApp, string>>; issuer: string }>;

/** The built folder of each app in this checkout (`apps/<name>/dist`). */
export function defaultWebAppDirs(repoRoot: string): Record<WebApp, string> {
  return Object.fromEntries(WEB_APPS.map((app) => [app, join(repoRoot, 'apps', app, 'dist')])) as Record<WebApp, string>;
}

/** The OIDC client id of each app, as the app introduces itself to the issuer. */
export const clientIdOf = (app: WebApp): string => `varde-${app}`;

/**
 * Serves each app's built assets under `/<name>/`: files as they are (hashed assets cached for a year), any other
 * path the app's `index.html` (the app routes in the browser), and `/<name>/config.json` with the issuer and client
 * id, so one build runs against any issuer.
 */
export async function registerWebApps(app: FastifyInstance, options: WebAppsOptions): Promise<void> {
  await app.register(fastifyStatic, { root: Object.values(options.dirs), serve: false });
  for (const name of WEB_APPS) {
    const root = resolve(options.dirs[name]);
    app.get(`/${name}`, (_request, reply) => reply.redirect(`/${name}/`, 301));
    app.get(`/${name}/config.json`, (_request, reply) => reply.header('cache-control', 'no-store').send({ issuer: options.issuer, clientId: clientIdOf(name) }));
    app.get(`/${name}/*`, async (request, reply) => {
      const path = decodeURIComponent((request.params as { '*': string })['*']);
      const file = resolve(root, path);
      if (path !== '' && file.startsWith(`${root}${sep}`) && (await isFile(file))) {
        const immutable = path.startsWith('assets/');
        return reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache').sendFile(path, root, { cacheControl: false });
      }
      if (!(await isFile(join(root, 'index.html')))) {
        return reply
          .status(503)
          .header('content-type', 'application/problem+json')
          .send({ type: 'about:blank', title: 'App not built', status: 503, detail: `The ${name} app is not built: run npm run apps:build (npm start builds it)` });
      }
      return reply.header('cache-control', 'no-cache').sendFile('index.html', root, { cacheControl: false });
    });
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
