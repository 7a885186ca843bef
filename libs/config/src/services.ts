/** Every Datawell service, with the facts its configuration and its operators depend on. */
export const SERVICE_NAMES = [
  'marketplace',
  'negotiation',
  'ledger-bridge',
  'provisioner',
  'telemetry',
  'mpc-coordinator',
] as const;

export type ServiceName = (typeof SERVICE_NAMES)[number];

/** Services that run BullMQ queues and so need Redis. */
export type RedisServiceName = 'ledger-bridge' | 'provisioner' | 'telemetry' | 'mpc-coordinator';

export type Dependency = 'postgres' | 'redis' | 'kafka';

export interface ServiceSpec {
  readonly name: ServiceName;
  /** PostgreSQL schema the service owns. */
  readonly schema: string;
  /** Variable holding the HTTP port, and its default. */
  readonly portVariable: string;
  readonly defaultPort: number;
  /** Variable holding the gRPC port (0: any free port), and its default (HTTP port + 1000). */
  readonly grpcPortVariable: string;
  readonly defaultGrpcPort: number;
  readonly dependencies: readonly Dependency[];
}

function spec(name: ServiceName, defaultPort: number, redis: boolean): ServiceSpec {
  const upper = name.toUpperCase().replace(/-/g, '_');
  return {
    name,
    schema: name.replace(/-/g, '_'),
    portVariable: `${upper}_HTTP_PORT`,
    defaultPort,
    grpcPortVariable: `${upper}_GRPC_PORT`,
    defaultGrpcPort: defaultPort + 1000,
    dependencies: redis ? ['postgres', 'redis', 'kafka'] : ['postgres', 'kafka'],
  };
}

export const SERVICES: Readonly<Record<ServiceName, ServiceSpec>> = {
  marketplace: spec('marketplace', 4100, false),
  negotiation: spec('negotiation', 4101, false),
  'ledger-bridge': spec('ledger-bridge', 4102, true),
  provisioner: spec('provisioner', 4103, true),
  telemetry: spec('telemetry', 4104, true),
  'mpc-coordinator': spec('mpc-coordinator', 4105, true),
};

/** Variables every service reads; see `connectionEnv` in @datawell/stack for who provides them. */
export const COMMON_VARIABLES = {
  postgresUrl: 'DATAWELL_POSTGRES_URL',
  redisUrl: 'DATAWELL_REDIS_URL',
  kafkaBrokers: 'DATAWELL_KAFKA_BROKERS',
  logLevel: 'DATAWELL_LOG_LEVEL',
  authSecret: 'DATAWELL_AUTH_SECRET',
  /** PEM files of the service's TLS certificate (chain) and key: both or neither. With them, HTTP and gRPC are served over TLS. */
  tlsCertFile: 'DATAWELL_TLS_CERT_FILE',
  tlsKeyFile: 'DATAWELL_TLS_KEY_FILE',
} as const;

/** The variables a service cannot start without (the rest have defaults). */
export function requiredVariables(service: ServiceName): string[] {
  const deps = SERVICES[service].dependencies;
  return [
    COMMON_VARIABLES.postgresUrl,
    ...(deps.includes('redis') ? [COMMON_VARIABLES.redisUrl] : []),
    COMMON_VARIABLES.kafkaBrokers,
  ];
}
