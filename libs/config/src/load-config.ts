import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { z } from 'zod';
import type { Dependency } from '@datawell/contracts';
import { ConfigError, type ConfigIssue } from './config-error';
import type { Environment, ServiceDefinition } from './extension';
import { readKafkaCredentialsFile, type KafkaCredentials } from './kafka-credentials';
import { redactUrl } from './redact';
import { readTrafficKeyFile, type TrafficKey } from './traffic-key';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface GrpcConfig {
  /** 0 binds any free port (tests). */
  readonly port: number;
}

export interface HttpConfig {
  readonly port: number;
}

/** The service's TLS identity: HTTPS (asking for, not requiring, client certificates) and gRPC over TLS. */
export interface TlsConfig {
  readonly certPem: string;
  /** The private key: never log it (toJSON masks it). */
  readonly keyPem: string;
}
export interface PostgresConfig {
  /** Contains the password: never log it, log the config's toJSON() instead. */
  readonly url: string;
  /** The schema this service owns; its tables and its migrations table live there. */
  readonly schema: string;
}
export interface RedisConfig {
  readonly url: string;
}
export interface KafkaConfig {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** SASL/SCRAM credentials of the service's principal; absent only for a broker without authentication. */
  readonly sasl?: KafkaCredentials;
  /** The file they came from: handed on (never its content) to the workloads this service starts. */
  readonly credentialsFile?: string;
  /** DATAWELL_KAFKA_SESSION_TIMEOUT_MS: its consumers' session timeout, when not kafkajs's 30 s (a consumer's own setting still wins). */
  readonly sessionTimeoutMs?: number;
  /** The domain's traffic key (DATAWELL_TRAFFIC_KEY_FILE), which seals and opens its member topics' values; its dump shows only its id and file. */
  readonly trafficKey?: TrafficKey;
  /** Keys the domain sealed with before (DATAWELL_TRAFFIC_PREVIOUS_KEY_FILES): they still open, never seal. */
  readonly previousTrafficKeys?: readonly TrafficKey[];
}

interface BaseConfig<T> {
  readonly service: string;
  readonly http: HttpConfig;
  readonly grpc: GrpcConfig;
  readonly logLevel: LogLevel;
  readonly postgres: PostgresConfig;
  readonly kafka: KafkaConfig;
  /** What /health checks: the service's dependencies in the services registry. */
  readonly dependencies: readonly Dependency[];
  /**
   * `tokenSecret`: optional secret (at least 32 characters) that keys this service's bearer tokens;
   * random per boot when unset. `operatorCaPem`: the CA certificate(s) of the operator's public MSP,
   * so that the operator's administrators can authenticate (absent: no operator identity is known).
   */
  readonly auth: { readonly tokenSecret?: string; readonly operatorCaPem?: string };
  /** Set when DATAWELL_TLS_CERT_FILE and DATAWELL_TLS_KEY_FILE are: HTTP and gRPC then serve TLS only. */
  readonly tls?: TlsConfig;
  /** The service's own settings (services/<name>/src/config.ts). */
  readonly settings: T;
  /** The configuration with every secret masked: what may be logged. */
  toJSON(): Record<string, unknown>;
  toString(): string;
}

/**
 * One service's configuration; `redis` exists exactly for the services that run BullMQ (`R`: true
 * for them, false for the others, boolean where either may come).
 */
export type ServiceConfig<T = unknown, R extends boolean = boolean> = BaseConfig<T> &
  (R extends true ? { readonly redis: RedisConfig } : { readonly redis?: undefined });

/** Whether a service with these dependencies has Redis. */
export type HasRedis<D extends Dependency> = 'redis' extends D ? true : false;

/** The configuration a definition loads into. */
export type ConfigOf<Def> = Def extends ServiceDefinition<infer T, infer D> ? ServiceConfig<T, HasRedis<D>> : never;

/** Variables every service reads; see `connectionEnv` in @datawell/stack for who provides them. */
export const COMMON_VARIABLES = {
  postgresUrl: 'DATAWELL_POSTGRES_URL',
  redisUrl: 'DATAWELL_REDIS_URL',
  kafkaBrokers: 'DATAWELL_KAFKA_BROKERS',
  /** JSON file (mode 0600) of the service's Kafka principal: {mechanism, username, password}. Unset: no SASL. */
  kafkaCredentialsFile: 'DATAWELL_KAFKA_CREDENTIALS_FILE',
  /**
   * File (32 random bytes, mode 0600) of the domain's traffic key, which seals what the service
   * produces to its member topics (datawell.member.<MSP>.…) and opens what it reads there. Unset:
   * the service cannot use member topics. The stack tooling makes it with the domain (domains/<MSP>/secrets/traffic.key).
   */
  trafficKeyFile: 'DATAWELL_TRAFFIC_KEY_FILE',
  /**
   * Comma-separated files of the keys the domain sealed with before a rotation: values sealed with them
   * still open (the envelope names its key) until the topics' retention has dropped them; nothing new is
   * sealed with them. Needs DATAWELL_TRAFFIC_KEY_FILE.
   */
  trafficPreviousKeyFiles: 'DATAWELL_TRAFFIC_PREVIOUS_KEY_FILES',
  logLevel: 'DATAWELL_LOG_LEVEL',
  authSecret: 'DATAWELL_AUTH_SECRET',
  /** The operator's public MSP folder (its cacerts/ hold the operator CA's certificate). */
  operatorMspDir: 'DATAWELL_OPERATOR_MSP_DIR',
  /** PEM files of the service's TLS certificate (chain) and key: both or neither. With them, HTTP and gRPC are served over TLS. */
  tlsCertFile: 'DATAWELL_TLS_CERT_FILE',
  tlsKeyFile: 'DATAWELL_TLS_KEY_FILE',
  /**
   * Milliseconds after which the broker drops a consumer of the service that stopped heartbeating
   * (6000-300000; kafkajs's 30000 when unset). A service restarted after a crash rejoins its groups
   * only once the broker has dropped its dead predecessor, so a shorter one restarts sooner, at the
   * price of a rebalance when a busy process misses heartbeats for that long.
   */
  kafkaSessionTimeoutMs: 'DATAWELL_KAFKA_SESSION_TIMEOUT_MS',
} as const;

/** The variables a service with these dependencies cannot start without (the rest have defaults). */
export function requiredVariables(dependencies: readonly Dependency[]): string[] {
  return [
    COMMON_VARIABLES.postgresUrl,
    ...(dependencies.includes('redis') ? [COMMON_VARIABLES.redisUrl] : []),
    COMMON_VARIABLES.kafkaBrokers,
  ];
}

const blankIsMissing = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const required = z.string({
  error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string'),
});

function urlVariable(protocols: readonly string[]) {
  const expected = protocols.map((p) => `${p}//`).join(' or ');
  return z.preprocess(
    blankIsMissing,
    // The value is never echoed: a malformed URL may still hold a password.
    required.refine(
      (value) => {
        try {
          const url = new URL(value);
          return protocols.includes(url.protocol) && url.hostname !== '';
        } catch {
          return false;
        }
      },
      { message: `must be a ${expected} URL with a host` },
    ),
  );
}

const BROKER = /^[A-Za-z0-9.-]+:(\d{1,5})$/;
const brokersVariable = z.preprocess(
  blankIsMissing,
  required.transform((value, ctx) => {
    const brokers = value.split(',').map((b) => b.trim()).filter((b) => b !== '');
    const bad = brokers.filter((b) => !isBroker(b));
    if (brokers.length === 0 || bad.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a comma-separated list of host:port (bad: ${bad.length ? bad.map((b) => `"${b}"`).join(', ') : 'empty list'})`,
      });
      return z.NEVER;
    }
    return brokers;
  }),
);

function isBroker(broker: string): boolean {
  const match = BROKER.exec(broker);
  return match !== null && isPort(Number(match[1]));
}

function isPort(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 65535;
}

function portVariable(defaultPort: number, allowAny = false) {
  return z.preprocess(
    (v) => blankIsMissing(v) ?? String(defaultPort),
    required.transform((value, ctx) => {
      const port = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
      if (!isPort(port) && !(allowAny && port === 0)) {
        ctx.addIssue({ code: 'custom', message: `must be a port number ${allowAny ? '0' : '1'}-65535 (got "${value}")` });
        return z.NEVER;
      }
      return port;
    }),
  );
}

/** The broker's own bounds (group.min/max.session.timeout.ms, as the stack's broker keeps them). */
export const KAFKA_SESSION_TIMEOUT_BOUNDS = { min: 6000, max: 300_000 } as const;

const sessionTimeoutVariable = z.preprocess(
  blankIsMissing,
  required
    .transform((value, ctx) => {
      const ms = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
      const { min, max } = KAFKA_SESSION_TIMEOUT_BOUNDS;
      if (!(ms >= min && ms <= max)) {
        ctx.addIssue({ code: 'custom', message: `must be an integer ${min}-${max} (milliseconds; got "${value}")` });
        return z.NEVER;
      }
      return ms;
    })
    .optional(),
);

const logLevelVariable = z.preprocess(
  (v) => blankIsMissing(v) ?? 'log',
  z.enum(LOG_LEVELS, { error: (issue) => `must be one of ${LOG_LEVELS.join(', ')} (got "${String(issue.input)}")` }),
);

/**
 * Builds the configuration of `service` from the environment, once, at boot. Throws a ConfigError
 * naming every missing or malformed variable. This is the only place that reads process.env.
 */
export function loadServiceConfig<T, D extends Dependency>(
  definition: ServiceDefinition<T, D>,
  env: Environment = process.env,
): ServiceConfig<T, HasRedis<D>> {
  const { spec, settings } = definition;
  const service = spec.name;
  const needsRedis = (spec.dependencies as readonly Dependency[]).includes('redis');
  const shape = {
    [COMMON_VARIABLES.postgresUrl]: urlVariable(['postgres:', 'postgresql:']),
    ...(needsRedis ? { [COMMON_VARIABLES.redisUrl]: urlVariable(['redis:', 'rediss:']) } : {}),
    [COMMON_VARIABLES.kafkaBrokers]: brokersVariable,
    [COMMON_VARIABLES.kafkaSessionTimeoutMs]: sessionTimeoutVariable,
    [spec.portVariable]: portVariable(spec.defaultPort),
    [spec.grpcPortVariable]: portVariable(spec.defaultGrpcPort, true),
    [COMMON_VARIABLES.logLevel]: logLevelVariable,
    [COMMON_VARIABLES.authSecret]: z.preprocess(blankIsMissing, z.string().min(32, 'must be at least 32 characters').optional()),
    ...settings.shape,
  };
  const parsed = z.object(shape).safeParse(env);
  const tls = readTls(env);
  const sasl = readKafkaCredentials(env);
  const traffic = readTrafficKey(env);
  const operator = readOperatorCa(env);
  const extra = [...tls.issues, ...sasl.issues, ...traffic.issues, ...operator.issues, ...(settings.issues?.(env) ?? [])];
  if (!parsed.success || extra.length > 0) {
    const issues: ConfigIssue[] = [
      ...(parsed.error?.issues ?? []).map((issue) => ({
        variable: String(issue.path[0] ?? '(environment)'),
        problem: issue.message,
      })),
      ...extra,
    ];
    throw new ConfigError(service, issues);
  }
  const values = parsed.data as Record<string, unknown>;
  const config = {
    service,
    http: { port: values[spec.portVariable] as number },
    grpc: { port: values[spec.grpcPortVariable] as number },
    logLevel: values[COMMON_VARIABLES.logLevel] as LogLevel,
    postgres: { url: values[COMMON_VARIABLES.postgresUrl] as string, schema: spec.schema },
    ...(needsRedis ? { redis: { url: values[COMMON_VARIABLES.redisUrl] as string } } : {}),
    kafka: { brokers: values[COMMON_VARIABLES.kafkaBrokers] as string[], clientId: `datawell-${service}`, ...(values[COMMON_VARIABLES.kafkaSessionTimeoutMs] === undefined ? {} : { sessionTimeoutMs: values[COMMON_VARIABLES.kafkaSessionTimeoutMs] as number }), ...(sasl.credentials ? { sasl: sasl.credentials, credentialsFile: sasl.file } : {}), ...(traffic.key ? { trafficKey: traffic.key } : {}), ...(traffic.previous.length > 0 ? { previousTrafficKeys: traffic.previous } : {}) },
    auth: {
      ...(values[COMMON_VARIABLES.authSecret] === undefined ? {} : { tokenSecret: values[COMMON_VARIABLES.authSecret] as string }),
      ...(operator.caPem === undefined ? {} : { operatorCaPem: operator.caPem }),
    },
    ...(tls.config ? { tls: tls.config } : {}),
    dependencies: [...spec.dependencies],
    settings: settings.build(values),
  };
  return withRedaction(config) as unknown as ServiceConfig<T, HasRedis<D>>;
}

/** Reads the Kafka credentials file named by the environment, if any; problems are reported with the other variables'. */
function readKafkaCredentials(env: Environment): { credentials?: KafkaCredentials; file?: string; issues: ConfigIssue[] } {
  const file = blankIsMissing(env[COMMON_VARIABLES.kafkaCredentialsFile]) as string | undefined;
  if (file === undefined) return { issues: [] };
  try {
    return { credentials: readKafkaCredentialsFile(file), file, issues: [] };
  } catch (error) {
    return { issues: [{ variable: COMMON_VARIABLES.kafkaCredentialsFile, problem: (error as Error).message }] };
  }
}

/** Reads the traffic key files named by the environment, if any: 32 bytes each, readable by their owner only. */
function readTrafficKey(env: Environment): { key?: TrafficKey; previous: TrafficKey[]; issues: ConfigIssue[] } {
  const file = blankIsMissing(env[COMMON_VARIABLES.trafficKeyFile]) as string | undefined;
  const previousFiles = String(env[COMMON_VARIABLES.trafficPreviousKeyFiles] ?? '').split(',').map((f) => f.trim()).filter((f) => f !== '');
  const issues: ConfigIssue[] = [];
  const read = (variable: string, f: string): TrafficKey | undefined => {
    try {
      return readTrafficKeyFile(f);
    } catch (error) {
      issues.push({ variable, problem: (error as Error).message });
      return undefined;
    }
  };
  const key = file === undefined ? undefined : read(COMMON_VARIABLES.trafficKeyFile, file);
  if (file === undefined && previousFiles.length > 0) {
    issues.push({ variable: COMMON_VARIABLES.trafficPreviousKeyFiles, problem: `needs ${COMMON_VARIABLES.trafficKeyFile}: previous keys only open, the current one seals` });
  }
  const previous = previousFiles.map((f) => read(COMMON_VARIABLES.trafficPreviousKeyFiles, f)).filter((k): k is TrafficKey => k !== undefined);
  if (key && previous.some((k) => k.id === key.id)) issues.push({ variable: COMMON_VARIABLES.trafficPreviousKeyFiles, problem: `names the current key (${key.id}) again` });
  return { ...(key ? { key } : {}), previous, issues };
}

/** The operator CA's certificates from its public MSP folder (cacerts/*.pem), when one is named. */
function readOperatorCa(env: Environment): { caPem?: string; issues: ConfigIssue[] } {
  const dir = blankIsMissing(env[COMMON_VARIABLES.operatorMspDir]) as string | undefined;
  if (dir === undefined) return { issues: [] };
  const problem = (text: string) => ({ issues: [{ variable: COMMON_VARIABLES.operatorMspDir, problem: text }] });
  let pems: string[];
  try {
    const cacerts = join(dir, 'cacerts');
    pems = readdirSync(cacerts).filter((f) => f.endsWith('.pem')).sort().map((f) => readFileSync(join(cacerts, f), 'utf8'));
  } catch (error) {
    return problem(`cannot read ${dir}/cacerts (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const caPem = pems.filter((pem) => PEM_BLOCK.test(pem)).join('\n');
  return caPem === '' ? problem(`${dir}/cacerts holds no PEM certificate`) : { caPem, issues: [] };
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/;

/** Reads the TLS files named by the environment; problems are reported with the other variables'. */
function readTls(env: Environment): { config?: TlsConfig; issues: ConfigIssue[] } {
  const certFile = blankIsMissing(env[COMMON_VARIABLES.tlsCertFile]) as string | undefined;
  const keyFile = blankIsMissing(env[COMMON_VARIABLES.tlsKeyFile]) as string | undefined;
  if (certFile === undefined && keyFile === undefined) return { issues: [] };
  const issues: ConfigIssue[] = [];
  if (certFile === undefined) issues.push({ variable: COMMON_VARIABLES.tlsCertFile, problem: `is required when ${COMMON_VARIABLES.tlsKeyFile} is set` });
  if (keyFile === undefined) issues.push({ variable: COMMON_VARIABLES.tlsKeyFile, problem: `is required when ${COMMON_VARIABLES.tlsCertFile} is set` });
  const read = (variable: string, file: string | undefined, kind: RegExp, what: string): string | undefined => {
    if (file === undefined) return undefined;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      issues.push({ variable, problem: `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})` });
      return undefined;
    }
    const block = PEM_BLOCK.exec(text);
    if (!block || !kind.test(block[1]!)) issues.push({ variable, problem: `${file} holds no PEM ${what}` });
    return text;
  };
  const certPem = read(COMMON_VARIABLES.tlsCertFile, certFile, /^CERTIFICATE$/, 'certificate');
  const keyPem = read(COMMON_VARIABLES.tlsKeyFile, keyFile, /PRIVATE KEY$/, 'private key');
  if (issues.length > 0 || certPem === undefined || keyPem === undefined) return { issues };
  return { config: { certPem, keyPem }, issues };
}

function withRedaction<T extends { postgres: PostgresConfig; redis?: RedisConfig; kafka: KafkaConfig; auth?: { tokenSecret?: string }; tls?: TlsConfig }>(config: T): T {
  const redacted = (): Record<string, unknown> => ({
    ...config,
    ...(config.tls ? { tls: { certPem: config.tls.certPem, keyPem: '***' } } : {}),
    postgres: { ...config.postgres, url: redactUrl(config.postgres.url) },
    ...(config.redis ? { redis: { url: redactUrl(config.redis.url) } } : {}),
    ...(config.kafka.sasl ? { kafka: { ...config.kafka, sasl: { mechanism: config.kafka.sasl.mechanism, username: config.kafka.sasl.username, password: '***' } } } : {}),
    ...(config.auth?.tokenSecret ? { auth: { ...config.auth, tokenSecret: '***' } } : {}),
  });
  Object.defineProperties(config, {
    toJSON: { value: redacted, enumerable: false },
    toString: { value: () => JSON.stringify(redacted()), enumerable: false },
    // console.log and the Nest logger use util.inspect, which ignores toJSON.
    [inspect.custom]: { value: () => redacted(), enumerable: false },
  });
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
    Object.freeze(value);
  }
  return value;
}
