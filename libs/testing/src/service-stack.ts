import { freshSchema } from './fresh-schema';
import { freePort } from './ports';
import { startServiceProcess, type ServiceProcess } from './service-process';

/** Several services started as processes, wired to each other, each in a fresh schema. */
export type ServiceStack = Readonly<{
  services: Readonly<Record<string, ServiceProcess>>;
  schemas: Readonly<Record<string, string>>;
  /** The embedded bus schema the stack's services share, so stacks of different tests never see each other's events. */
  busSchema: string;
  stop: () => Promise<void>;
}>;

const PEERS = ['pathways', 'sharing'] as const;

/** Where each service of a stack listens, known before any of them starts (its ports are picked beforehand). */
export type StackAddresses = Readonly<Record<string, Readonly<{ url: string; grpcUrl: string }>>>;

/** What one service gets besides `env`: fixed variables, or variables made from the stack's addresses (a peer's URL). */
export type StackExtra = Readonly<Record<string, string>> | ((addresses: StackAddresses) => Readonly<Record<string, string>>);

/**
 * Starts `names` the way the platform does: pathways, then sharing (which asks pathways for care teams), first (the others call them over gRPC),
 * then the rest with `PATHWAYS_GRPC_URL` / `SHARING_GRPC_URL` pointing at them. `env` goes to every
 * service, `extra[name]` to one; every port is picked beforehand, so `extra[name]` may be a function of the stack's
 * addresses and tell a service started early where a later one will listen (`MEASUREMENTS_URL` for sharing, the
 * `OPENAPI_PEERS` of the FHIR base). Stopped in reverse order.
 */
export async function startServiceStack(names: readonly string[], env: Readonly<Record<string, string>>, extra: Readonly<Record<string, StackExtra>> = {}): Promise<ServiceStack> {
  const schemas = Object.fromEntries(names.map((name) => [name, freshSchema(name)]));
  const busSchema = freshSchema('bus');
  const services: Record<string, ServiceProcess> = {};
  // Every port is picked beforehand: pathways, started first, asks sharing's policy decision point and triage (whether
  // a pathway's rule set exists when a designer saves a PlanDefinition); sharing may be told where measurements listens.
  const ports: Record<string, { httpPort: number; grpcPort: number }> = {};
  for (const name of names) ports[name] = { httpPort: await freePort(), grpcPort: await freePort() };
  const addresses: StackAddresses = Object.fromEntries(names.map((name) => [name, { url: `http://127.0.0.1:${ports[name]!.httpPort}`, grpcUrl: `127.0.0.1:${ports[name]!.grpcPort}` }]));
  const own = (name: string): Readonly<Record<string, string>> => {
    const more = extra[name];
    return typeof more === 'function' ? more(addresses) : (more ?? {});
  };
  const start = async (name: string, peers: Record<string, string> = {}): Promise<void> => {
    services[name] = await startServiceProcess(name, { BUS_SCHEMA: busSchema, ...env, DB_SCHEMA: schemas[name]!, ...peers, ...own(name) }, ports[name]);
  };
  try {
    // Pathways first: sharing asks it for a patient's care team (a clinician's consents, CheckAccess).
    if (names.includes('pathways')) {
      await start('pathways', {
        ...(addresses.sharing ? { SHARING_GRPC_URL: addresses.sharing.grpcUrl } : {}),
        ...(addresses.triage ? { TRIAGE_URL: addresses.triage.url } : {}),
      });
    }
    if (names.includes('sharing')) await start('sharing', services.pathways ? { PATHWAYS_GRPC_URL: services.pathways.grpcUrl } : {});
    const peers = {
      ...(services.pathways ? { PATHWAYS_GRPC_URL: services.pathways.grpcUrl } : {}),
      ...(services.sharing ? { SHARING_GRPC_URL: services.sharing.grpcUrl } : {}),
    };
    const results = await Promise.allSettled(names.filter((n) => !(PEERS as readonly string[]).includes(n)).map((n) => start(n, peers)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  } catch (error) {
    // One service failed to start: stop those that did, so no process outlives the test file.
    await Promise.allSettled(Object.values(services).map((service) => service.stop()));
    throw error;
  }
  return {
    services,
    schemas,
    busSchema,
    stop: async () => {
      await Promise.allSettled(names.filter((n) => !(PEERS as readonly string[]).includes(n)).map((n) => services[n]?.stop()));
      await Promise.allSettled(PEERS.map((p) => services[p]?.stop()));
    },
  };
}

/**
 * Pathways, then sharing, as processes, each told the other's gRPC address: pathways asks sharing's policy decision
 * point (CheckAccess) for clinicians' and guardians' requests, sharing asks pathways for care teams. `env` goes to
 * both (give each its `DB_SCHEMA` in `extra`), `extra.pathways` / `extra.sharing` to one.
 */
export async function startPathwaysAndSharing(
  env: Readonly<Record<string, string>>,
  extra: Readonly<{ pathways?: Readonly<Record<string, string>>; sharing?: Readonly<Record<string, string>> }> = {},
): Promise<{ pathways: ServiceProcess; sharing: ServiceProcess }> {
  const sharingGrpcPort = await freePort();
  const pathways = await startServiceProcess('pathways', { ...env, SHARING_GRPC_URL: `127.0.0.1:${sharingGrpcPort}`, ...extra.pathways });
  try {
    const sharing = await startServiceProcess('sharing', { ...env, PATHWAYS_GRPC_URL: pathways.grpcUrl, ...extra.sharing }, { grpcPort: sharingGrpcPort });
    return { pathways, sharing };
  } catch (error) {
    await pathways.stop();
    throw error;
  }
}
