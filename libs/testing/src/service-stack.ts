import { freshSchema } from './fresh-schema';
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

/**
 * Starts `names` the way the platform does: pathways, then sharing (which asks pathways for care teams), first (the others call them over gRPC),
 * then the rest with `PATHWAYS_GRPC_URL` / `SHARING_GRPC_URL` pointing at them. `env` goes to every
 * service, `extra[name]` to one. Stopped in reverse order.
 */
export async function startServiceStack(
  names: readonly string[],
  env: Readonly<Record<string, string>>,
  extra: Readonly<Record<string, Readonly<Record<string, string>>>> = {},
): Promise<ServiceStack> {
  const schemas = Object.fromEntries(names.map((name) => [name, freshSchema(name)]));
  const busSchema = freshSchema('bus');
  const services: Record<string, ServiceProcess> = {};
  const start = async (name: string, peers: Record<string, string> = {}): Promise<void> => {
    services[name] = await startServiceProcess(name, { BUS_SCHEMA: busSchema, ...env, DB_SCHEMA: schemas[name]!, ...peers, ...extra[name] });
  };
  // Pathways first: sharing asks it for a patient's care team (a clinician's consents, CheckAccess).
  if (names.includes('pathways')) await start('pathways');
  if (names.includes('sharing')) await start('sharing', services.pathways ? { PATHWAYS_GRPC_URL: services.pathways.grpcUrl } : {});
  const peers = {
    ...(services.pathways ? { PATHWAYS_GRPC_URL: services.pathways.grpcUrl } : {}),
    ...(services.sharing ? { SHARING_GRPC_URL: services.sharing.grpcUrl } : {}),
  };
  await Promise.all(names.filter((n) => !(PEERS as readonly string[]).includes(n)).map((n) => start(n, peers)));
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
