import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** What a route's TSDoc says, by `<ControllerClass>.<method>`. */
export type RouteDescriptions = Readonly<Record<string, string>>;

/** A route handler found in a controller: where it is, and its TSDoc (undefined when it has none). */
export type DocumentedRoute = Readonly<{ key: string; file: string; description: string | undefined }>;

/** The file the production build writes beside a compiled service's `src/`, read at run time. */
export const ROUTE_DESCRIPTIONS_FILE = 'route-descriptions.json';

const ROUTE_DECORATORS = new Set(['Get', 'Post', 'Put', 'Patch', 'Delete', 'Sse', 'All', 'Head', 'Options']);

function controllerFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return controllerFiles(path);
    return /\.controller\.ts$/.test(name) ? [path] : [];
  });
}

/**
 * Reads every route handler of the controllers under `sourceDirs` and its TSDoc, with the TypeScript parser
 * (no type checking). The OpenAPI documents take each operation's description from here, so a route is
 * documented where it is written and nowhere else. Needs the `typescript` package: at build time and when a
 * service runs from its sources; a compiled service reads {@link ROUTE_DESCRIPTIONS_FILE} instead.
 */
export function readRouteDocs(sourceDirs: readonly string[]): DocumentedRoute[] {
  // Loaded on demand: a development dependency, absent from the production image.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ts = require('typescript') as typeof import('typescript');
  const routes: DocumentedRoute[] = [];
  const decoratorName = (decorator: import('typescript').Decorator): string | undefined => {
    const expression = decorator.expression;
    return ts.isCallExpression(expression) && ts.isIdentifier(expression.expression) ? expression.expression.text : undefined;
  };
  for (const file of sourceDirs.flatMap(controllerFiles)) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    // Every class, also one declared inside a function (a controller made by a factory, as fhirMetadataController).
    const visit = (node: import('typescript').Node): void => {
      ts.forEachChild(node, visit);
      if (!ts.isClassDeclaration(node) || !node.name) return;
      const decorators = ts.getDecorators(node) ?? [];
      if (!decorators.some((d) => decoratorName(d) === 'Controller')) return;
      for (const member of node.members) {
        if (!ts.isMethodDeclaration(member) || !ts.isIdentifier(member.name)) continue;
        if (!(ts.getDecorators(member) ?? []).some((d) => ROUTE_DECORATORS.has(decoratorName(d) ?? ''))) continue;
        const text = ts
          .getJSDocCommentsAndTags(member)
          .filter(ts.isJSDoc)
          .map((doc) => ts.getTextOfJSDocComment(doc.comment) ?? '')
          .join('\n')
          .trim();
        routes.push({ key: `${node.name.text}.${member.name.text}`, file, description: text === '' ? undefined : text });
      }
    };
    visit(source);
  }
  return routes;
}

/**
 * The route descriptions of a service: from {@link ROUTE_DESCRIPTIONS_FILE} beside the compiled service, or
 * read from the TypeScript sources when it runs from them.
 */
export function loadRouteDescriptions(serviceSrcDir: string, platformSrcDir: string): RouteDescriptions {
  const compiled = join(serviceSrcDir, '..', ROUTE_DESCRIPTIONS_FILE);
  if (existsSync(compiled)) return JSON.parse(readFileSync(compiled, 'utf8')) as RouteDescriptions;
  return Object.fromEntries(readRouteDocs([serviceSrcDir, platformSrcDir]).flatMap((r) => (r.description ? [[r.key, r.description]] : [])));
}
