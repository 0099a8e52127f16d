import 'reflect-metadata';
import type { DynamicModule, Type } from '@nestjs/common';
import { METHOD_METADATA, MODULE_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { ACCESS_KEY, PUBLIC_KEY, ROLES_KEY, rolesAllowed, scopeFor, type RouteAccess } from '@varde/auth';
import { loadPlatformConfig, type Infrastructure, type ServiceDefinition, type ServiceName } from '@varde/platform';
import type { Role } from '@varde/core';
import { describe, expect, it } from 'vitest';
import { formsService } from '../../services/forms/src/forms.service';
import { measurementsService } from '../../services/measurements/src/measurements.service';
import { pathwaysService } from '../../services/pathways/src/pathways.service';
import { sharingService } from '../../services/sharing/src/sharing.service';
import { triageService } from '../../services/triage/src/triage.service';

// The HTTP routes each service registers, read from the controllers its root module really mounts (the same
// DynamicModule `startService` hands to Nest), with the policy each declares (`@Access`) or `@Public()`.
const SERVICES: Readonly<Record<ServiceName, ServiceDefinition>> = { pathways: pathwaysService, forms: formsService, measurements: measurementsService, triage: triageService, sharing: sharingService };

type Route = Readonly<{ service: ServiceName; route: string; access?: RouteAccess; roles?: readonly Role[]; public: boolean }>;

function controllersOf(module: Type<unknown> | DynamicModule, seen = new Set<unknown>()): Type<unknown>[] {
  if (seen.has(module)) return [];
  seen.add(module);
  const dynamic = 'module' in module ? (module as DynamicModule) : undefined;
  const type = dynamic?.module ?? (module as Type<unknown>);
  const controllers = [...(dynamic?.controllers ?? []), ...((Reflect.getMetadata(MODULE_METADATA.CONTROLLERS, type) as Type<unknown>[] | undefined) ?? [])];
  const imports = [...(dynamic?.imports ?? []), ...((Reflect.getMetadata(MODULE_METADATA.IMPORTS, type) as (Type<unknown> | DynamicModule)[] | undefined) ?? [])];
  return [...controllers, ...imports.flatMap((imported) => controllersOf(imported as Type<unknown> | DynamicModule, seen))];
}

function routesOf(service: ServiceName): Route[] {
  // Only the configuration is read while the module is described; nothing connects.
  const infra = { config: loadPlatformConfig(service, { NODE_ENV: 'test' }) } as unknown as Infrastructure;
  const routes: Route[] = [];
  for (const controller of new Set(controllersOf(SERVICES[service].module(infra)))) {
    const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
    for (const name of Object.getOwnPropertyNames(controller.prototype)) {
      const handler = (controller.prototype as Record<string, unknown>)[name];
      if (typeof handler !== 'function' || Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
      const paths = [Reflect.getMetadata(PATH_METADATA, handler) as string | string[]].flat();
      for (const path of paths) {
        const route = `${method} /${[base, path].map((p) => p.replace(/^\/|\/$/g, '')).filter((p) => p !== '').join('/')}`;
        const access = (Reflect.getMetadata(ACCESS_KEY, handler) ?? Reflect.getMetadata(ACCESS_KEY, controller)) as RouteAccess | undefined;
        const isPublic = Boolean(Reflect.getMetadata(PUBLIC_KEY, handler) ?? Reflect.getMetadata(PUBLIC_KEY, controller));
        const roles = (Reflect.getMetadata(ROLES_KEY, handler) ?? Reflect.getMetadata(ROLES_KEY, controller)) as Role[] | undefined;
        routes.push({ service, route, ...(access ? { access } : {}), ...(roles ? { roles } : {}), public: isPublic });
      }
    }
  }
  return routes;
}

const ROUTES = (Object.keys(SERVICES) as ServiceName[]).flatMap(routesOf);

describe('every route the services register declares its access policy', () => {
  it('finds the routes (the scan itself works)', () => {
    expect(ROUTES.length).toBeGreaterThan(20);
    expect(ROUTES.map((r) => `${r.service} ${r.route}`)).toContain('forms POST /fhir/QuestionnaireResponse');
  });

  it('has @Access or @Public on every HTTP route (a new route without a declared policy fails here)', () => {
    const undeclared = ROUTES.filter((r) => r.access === undefined && !r.public).map((r) => `${r.service} ${r.route}`);
    expect(undeclared, 'routes with no declared policy: add @Access(category, action, { patient }) (docs/api/sharing.md)').toEqual([]);
  });

  it('declares for every route a scope and a category that some row of the policy table grants', () => {
    for (const { service, route, access } of ROUTES) {
      if (!access) continue;
      expect(rolesAllowed(access.category, access.action).length, `${service} ${route}: no role may ${access.action} ${access.category}`).toBeGreaterThan(0);
      expect(access.scope, `${service} ${route}: a scope of the catalogue`).toBe(scopeFor(access.category, access.action));
    }
  });

  it('admits through @Roles no role the policy table refuses for the route (the table is the authority)', () => {
    for (const { service, route, access, roles } of ROUTES) {
      if (!access || !roles) continue;
      const allowed = rolesAllowed(access.category, access.action);
      expect(roles.filter((role) => !allowed.includes(role)), `${service} ${route}: @Roles beyond what the table grants for ${access.action} ${access.category}`).toEqual([]);
    }
  });
});
