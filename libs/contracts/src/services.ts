/**
 * Every Datawell service and where it listens: what operators, the CLI and the Compose file rely on
 * to find a service. Each service's own settings live in `services/<name>/src/config.ts`.
 */
export type Dependency = 'postgres' | 'redis' | 'kafka';

export interface ServiceSpec<D extends Dependency = Dependency> {
  readonly name: string;
  /** PostgreSQL schema the service owns. */
  readonly schema: string;
  /** Variable holding the HTTP port, and its default. */
  readonly portVariable: string;
  readonly defaultPort: number;
  /** Variable holding the gRPC port (0: any free port), and its default (HTTP port + 1000). */
  readonly grpcPortVariable: string;
  readonly defaultGrpcPort: number;
  /** What the service cannot work without; `redis` exactly for the services that run BullMQ queues. */
  readonly dependencies: readonly D[];
}

type Deps<R extends boolean> = R extends true ? Dependency : Exclude<Dependency, 'redis'>;

function spec<N extends string, R extends boolean>(name: N, defaultPort: number, redis: R): ServiceSpec<Deps<R>> & { readonly name: N } {
  const upper = name.toUpperCase().replace(/-/g, '_');
  return {
    name,
    schema: name.replace(/-/g, '_'),
    portVariable: `${upper}_HTTP_PORT`,
    defaultPort,
    grpcPortVariable: `${upper}_GRPC_PORT`,
    defaultGrpcPort: defaultPort + 1000,
    dependencies: (redis ? ['postgres', 'redis', 'kafka'] : ['postgres', 'kafka']) as Deps<R>[],
  };
}

export const SERVICES = {
  marketplace: spec('marketplace', 4100, false),
  negotiation: spec('negotiation', 4101, false),
  'ledger-bridge': spec('ledger-bridge', 4102, true),
  provisioner: spec('provisioner', 4103, true),
  telemetry: spec('telemetry', 4104, true),
  'mpc-coordinator': spec('mpc-coordinator', 4105, true),
} as const;

export type ServiceName = keyof typeof SERVICES;

/** The services in start order. */
export const SERVICE_NAMES = Object.keys(SERVICES) as readonly ServiceName[];
