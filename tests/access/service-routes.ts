import 'reflect-metadata';
import type { DynamicModule, Type } from '@nestjs/common';
import { METHOD_METADATA, MODULE_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { RequestMethod } from '@nestjs/common';
import { ACCESS_KEY, PUBLIC_KEY, ROLES_KEY, type RouteAccess } from '@varde/auth';
import { loadPlatformConfig, type Infrastructure, type ServiceDefinition, type ServiceName } from '@varde/platform';
import type { Role } from '@varde/core';
import { formsService } from '../../services/forms/src/forms.service';
import { measurementsService } from '../../services/measurements/src/measurements.service';
import { pathwaysService } from '../../services/pathways/src/pathways.service';
import { sharingService } from '../../services/sharing/src/sharing.service';
import { triageService } from '../../services/triage/src/triage.service';

// The HTTP routes each service registers, read from the controllers its root module really mounts (the same
// DynamicModule `startService` hands to Nest), with the policy each declares (`@Access`) or `@Public()`.
const SERVICES: Readonly<Record<ServiceName, ServiceDefinition>> = { pathways: pathwaysService, forms: formsService, measurements: measurementsService, triage: triageService, sharing: sharingService };

/**
 * One HTTP route a service registers (`route`: `GET /api/…` with Nest's `:params`), with the access policy it declares;
 * `operationId` is the id the service's OpenAPI document gives it (`Controller.method`); `takesBody` whether its
 * handler reads the request body (`@Body()`).
 */
export type Route = Readonly<{ service: ServiceName; route: string; operationId: string; access?: RouteAccess; roles?: readonly Role[]; public: boolean; takesBody: boolean }>;

/** Whether `controller`'s handler `name` has a `@Body()` parameter (Nest keys its parameters `<RouteParamtypes>:<index>`). */
const takesBody = (controller: Type<unknown>, name: string): boolean =>
  Object.keys((Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, name) as Record<string, unknown> | undefined) ?? {}).some((key) => key.split(':')[0] === String(RouteParamtypes.BODY));

function controllersOf(module: Type<unknown> | DynamicModule, seen = new Set<unknown>()): Type<unknown>[] {
  if (seen.has(module)) return [];
  seen.add(module);
  const dynamic = 'module' in module ? (module as DynamicModule) : undefined;
  const type = dynamic?.module ?? (module as Type<unknown>);
  const controllers = [...(dynamic?.controllers ?? []), ...((Reflect.getMetadata(MODULE_METADATA.CONTROLLERS, type) as Type<unknown>[] | undefined) ?? [])];
  const imports = [...(dynamic?.imports ?? []), ...((Reflect.getMetadata(MODULE_METADATA.IMPORTS, type) as (Type<unknown> | DynamicModule)[] | undefined) ?? [])];
  return [...controllers, ...imports.flatMap((imported) => controllersOf(imported as Type<unknown> | DynamicModule, seen))];
}

/** The routes `service` registers, with their declared policies. */
export function routesOf(service: ServiceName): Route[] {
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
        routes.push({ service, route, operationId: `${controller.name}.${name}`, ...(access ? { access } : {}), ...(roles ? { roles } : {}), public: isPublic, takesBody: takesBody(controller, name) });
      }
    }
  }
  return routes;
}

/** Every route of every service. */
export const SERVICE_ROUTES: readonly Route[] = (Object.keys(SERVICES) as ServiceName[]).flatMap(routesOf);

