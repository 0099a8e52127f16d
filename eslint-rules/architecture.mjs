// The architecture rules of docs/adr/0016-enforced-layers.md as an ESLint plugin: every import — static,
// `export … from`, `import()`, `require()` — is resolved to the file or package it names, whatever its depth or
// spelling (`../../../../triage/x`, `./../../infrastructure/y`), and checked against where the importing file is.
import { readdirSync } from 'node:fs';
import path from 'node:path';

/** Every folder under services/ is a service: a new one gets the rules by being there. */
const SERVICES = readdirSync(new URL('../services', import.meta.url), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
const LAYERS = ['domain', 'application', 'infrastructure', 'api'];
/** What each layer must not import from its own service (the layers above it). */
const FORBIDDEN_LAYERS = { domain: ['application', 'infrastructure', 'api'], application: ['infrastructure', 'api'], infrastructure: ['api'], api: [] };
/** Packages a domain file may import besides its own domain. */
const DOMAIN_PACKAGES = ['@varde/core'];

/** Where a repository-relative path sits: its service and layer, or neither. */
function place(relative) {
  const parts = relative.split('/');
  if (parts[0] !== 'services' || !SERVICES.includes(parts[1])) return { service: undefined, layer: undefined };
  const layer = parts[2] === 'src' && LAYERS.includes(parts[3]) ? parts[3] : undefined;
  return { service: parts[1], layer };
}

/** What an import names: a file of this repository (repository-relative), a workspace package, or another package. */
function target(specifier, importer, root) {
  if (specifier.startsWith('.') || specifier.startsWith('/')) {
    const relative = path.relative(root, path.resolve(path.dirname(importer), specifier)).split(path.sep).join('/');
    return { kind: 'file', relative, ...place(relative) };
  }
  const workspace = /^@varde\/([^/]+)/.exec(specifier)?.[1];
  if (workspace && SERVICES.includes(workspace)) return { kind: 'file', relative: `services/${workspace}`, service: workspace, layer: undefined };
  return { kind: 'package', name: specifier };
}

const moduleSpecifiers = (context, check) => {
  const literal = (node) => (node && node.type === 'Literal' && typeof node.value === 'string' ? node.value : undefined);
  const visit = (node, source) => {
    const value = literal(source);
    if (value !== undefined) check(node, value);
  };
  return {
    ImportDeclaration: (node) => visit(node, node.source),
    ExportNamedDeclaration: (node) => visit(node, node.source),
    ExportAllDeclaration: (node) => visit(node, node.source),
    ImportExpression: (node) => visit(node, node.source),
    TSImportType: (node) => visit(node, node.argument?.type === 'TSLiteralType' ? node.argument.literal : node.argument),
    TSExternalModuleReference: (node) => visit(node, node.expression),
    CallExpression: (node) => {
      if (node.callee.type === 'Identifier' && node.callee.name === 'require') visit(node, node.arguments[0]);
      if (node.callee.type === 'MemberExpression' && node.callee.object.name === 'require' && node.callee.property.name === 'resolve') visit(node, node.arguments[0]);
    },
  };
};

const importerOf = (context) => {
  const root = context.cwd;
  const file = context.filename;
  const relative = path.relative(root, file).split(path.sep).join('/');
  return { root, file, relative, ...place(relative) };
};

/** A service imports libs and its own code only: never another service, at any depth, by any kind of import. */
const serviceBoundaries = {
  meta: { type: 'problem', schema: [], messages: { crossService: 'Services talk over events and gRPC only (architecture.md): {{from}} must not import {{to}} of service {{service}}.' } },
  create(context) {
    const importer = importerOf(context);
    const isLib = importer.relative.startsWith('libs/');
    if (!importer.service && !isLib) return {};
    return moduleSpecifiers(context, (node, specifier) => {
      const t = target(specifier, importer.file, importer.root);
      if (t.kind === 'file' && t.service && t.service !== importer.service) {
        context.report({ node, messageId: 'crossService', data: { from: isLib ? 'a library' : `service ${importer.service}`, to: specifier, service: t.service } });
      }
    });
  },
};

/**
 * Layers point inwards: `domain` imports its own domain and `@varde/core` only; `application` not
 * `infrastructure` or `api`; `infrastructure` not `api`. No exceptions: a port is an abstract class in `application/`.
 */
const layers = {
  meta: {
    type: 'problem',
    schema: [],
    messages: {
      upwards: 'The {{layer}} layer must not import the {{other}} layer ({{to}}): dependencies point inwards, domain ← application ← infrastructure ← api (ADR 0016).',
      domainImport: 'A domain imports only its own domain files and @varde/core (pure deciders, ADR 0016); not {{to}}.',
    },
  },
  create(context) {
    const importer = importerOf(context);
    if (!importer.layer) return {};
    const isSpec = /\.spec\.ts$/.test(importer.relative);
    // A spec beside application or infrastructure code may wire the real adapters it tests with; a domain spec
    // tests pure deciders and stays out of the other layers.
    if (isSpec && importer.layer !== 'domain') return {};
    return moduleSpecifiers(context, (node, specifier) => {
      const t = target(specifier, importer.file, importer.root);
      if (t.kind === 'file' && t.service && t.service !== importer.service) return; // service-boundaries reports it
      if (importer.layer === 'domain' && !isSpec) {
        const ownDomain = t.kind === 'file' && t.service === importer.service && t.layer === 'domain';
        if (!ownDomain && !(t.kind === 'package' && DOMAIN_PACKAGES.includes(t.name))) context.report({ node, messageId: 'domainImport', data: { to: specifier } });
        return;
      }
      if (t.kind === 'file' && t.service === importer.service && FORBIDDEN_LAYERS[importer.layer].includes(t.layer)) {
        context.report({ node, messageId: 'upwards', data: { layer: importer.layer, other: t.layer, to: specifier } });
      }
    });
  },
};

/** A domain reads no clock and draws no random number: time and ids come in with the command (replayable decisions). */
const domainPurity = {
  meta: { type: 'problem', schema: [], messages: { impure: '{{what}} in a domain: time and ids come in with the command (metadata.now, ids made by the caller), so a decision can be replayed (ADR 0016).' } },
  create(context) {
    if (importerOf(context).layer !== 'domain') return {};
    const report = (node, what) => context.report({ node, messageId: 'impure', data: { what } });
    const member = (node, object, property) =>
      node.type === 'MemberExpression' && node.object.type === 'Identifier' && node.object.name === object && (node.property.name === property || node.property.value === property);
    return {
      NewExpression: (node) => {
        if (node.callee.type === 'Identifier' && node.callee.name === 'Date' && node.arguments.length === 0) report(node, 'new Date()');
      },
      CallExpression: (node) => {
        const callee = node.callee;
        if (callee.type === 'Identifier' && callee.name === 'Date') report(node, 'Date()');
        if (member(callee, 'Date', 'now')) report(node, 'Date.now()');
        if (member(callee, 'Math', 'random')) report(node, 'Math.random()');
        if (member(callee, 'performance', 'now')) report(node, 'performance.now()');
        if ((callee.type === 'Identifier' && callee.name === 'randomUUID') || (callee.type === 'MemberExpression' && callee.property.name === 'randomUUID')) report(node, 'randomUUID()');
        if (callee.type === 'MemberExpression' && ['getRandomValues', 'randomBytes', 'randomInt'].includes(callee.property.name)) report(node, `${callee.property.name}()`);
      },
    };
  },
};

export default { meta: { name: 'varde-architecture' }, rules: { 'service-boundaries': serviceBoundaries, layers, 'domain-purity': domainPurity } };
