import { SERVICE_NAMES, type ServiceName } from '@datawell/contracts';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { StackError } from './errors';

/**
 * Where the stack lives and which ports it uses. Defaults keep clear of the standard ports so a
 * system PostgreSQL, Redis or Kafka does not collide, and stay below Linux's ephemeral range
 * (32768–60999), where any outgoing connection may hold a port at the moment a server binds it.
 * Each can be changed through the environment.
 */
export interface StackSettings {
  /** The repository checkout (the project-local runtime folder sits inside it). */
  readonly repoDir: string;
  /** Project-local runtime folder: data dirs, logs, pids, crypto material (git-ignored). */
  readonly stackDir: string;
  /** Downloads and builds, shared by every clone on the machine. */
  readonly cacheDir: string;
  readonly ports: {
    readonly postgres: number;
    readonly redis: number;
    readonly kafka: number;
    readonly kafkaController: number;
    /** Fabric ports are derived from this base (see fabric/layout.ts). */
    readonly fabricBase: number;
    /**
     * The operator's six services listen on `services + i` (HTTP) and `servicesGrpc + i` (gRPC), i
     * in SERVICE_NAMES order: 4100 and 5100 for the default stack; a stack on another Fabric base
     * gets base+900 and base+950 (free in the Fabric plan), so two stacks on one machine never
     * answer for each other.
     */
    readonly services: number;
    readonly servicesGrpc: number;
    /** The console `./dev up` serves: 4200 for the default stack, base+990 on another Fabric base. */
    readonly console: number;
  };
  /** Number of Raft orderers: 1 by default, 3 for a fault-tolerant ordering service. */
  readonly orderers: number;
  /** Use a `terraform` binary on PATH instead of building OpenTofu. */
  readonly terraformBinary?: string;
  /**
   * Who takes up member domains through these settings (DATAWELL_DOMAIN_HOLDER, `<pid>:<what>`: a
   * test file, set by the test tiers' jest environment): addDomain records it, and the file sets
   * aside the domains it alone still holds when it ends (domains/holds.ts).
   */
  readonly domainHolder?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The settings a stack folder was created with (written by `up`), so that every process working
 * on that folder — a service administering the network, a test — uses the same ports.
 */
export const SETTINGS_FILE = 'settings.json';

const DEFAULT_FABRIC_BASE = 27000;

export function loadSettings(repoDir: string, env: Env = process.env): StackSettings {
  const stackDir = resolve(env['DATAWELL_STACK_DIR'] ?? join(repoDir, '.stack'));
  // Explicit environment variables win over what the folder recorded.
  env = { ...recordedEnv(stackDir), ...definedOnly(env) };
  const cacheDir = resolve(env['DATAWELL_CACHE_DIR'] ?? join(env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'datawell'));
  const fabricBase = port(env, 'DATAWELL_FABRIC_PORT_BASE', DEFAULT_FABRIC_BASE);
  const settings: StackSettings = {
    repoDir,
    stackDir,
    cacheDir,
    ports: {
      postgres: port(env, 'DATAWELL_POSTGRES_PORT', 25432),
      redis: port(env, 'DATAWELL_REDIS_PORT', 26379),
      kafka: port(env, 'DATAWELL_KAFKA_PORT', 29092),
      kafkaController: port(env, 'DATAWELL_KAFKA_CONTROLLER_PORT', 29093),
      fabricBase,
      services: port(env, 'DATAWELL_SERVICES_PORT_BASE', fabricBase === DEFAULT_FABRIC_BASE ? 4100 : fabricBase + 900),
      servicesGrpc: port(env, 'DATAWELL_SERVICES_GRPC_PORT_BASE', fabricBase === DEFAULT_FABRIC_BASE ? 5100 : fabricBase + 950),
      console: port(env, 'DATAWELL_CONSOLE_PORT', fabricBase === DEFAULT_FABRIC_BASE ? 4200 : fabricBase + 990),
    },
    orderers: intSetting(env, 'DATAWELL_ORDERERS', 1),
    ...(env['DATAWELL_TERRAFORM_BINARY'] ? { terraformBinary: env['DATAWELL_TERRAFORM_BINARY'] } : {}),
    ...(env['DATAWELL_DOMAIN_HOLDER'] ? { domainHolder: env['DATAWELL_DOMAIN_HOLDER'] } : {}),
  };
  if (settings.orderers !== 1 && settings.orderers !== 3) {
    throw new StackError('BAD_SETTING', `DATAWELL_ORDERERS must be 1 or 3, got ${settings.orderers}`);
  }
  return settings;
}

/** Records the settings a stack folder runs with. */
export function recordSettings(settings: StackSettings): void {
  mkdirSync(settings.stackDir, { recursive: true });
  writeFileSync(join(settings.stackDir, SETTINGS_FILE), `${JSON.stringify(portSettingsEnv(settings), null, 2)}\n`);
}

/** The environment variables that give another stack folder the same ports as these settings. */
export function portSettingsEnv(settings: StackSettings): Record<string, string> {
  const { ports } = settings;
  return {
    DATAWELL_POSTGRES_PORT: String(ports.postgres),
    DATAWELL_REDIS_PORT: String(ports.redis),
    DATAWELL_KAFKA_PORT: String(ports.kafka),
    DATAWELL_KAFKA_CONTROLLER_PORT: String(ports.kafkaController),
    DATAWELL_FABRIC_PORT_BASE: String(ports.fabricBase),
    DATAWELL_SERVICES_PORT_BASE: String(ports.services),
    DATAWELL_SERVICES_GRPC_PORT_BASE: String(ports.servicesGrpc),
    DATAWELL_CONSOLE_PORT: String(ports.console),
  };
}

function recordedEnv(stackDir: string): Env {
  const file = join(stackDir, SETTINGS_FILE);
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Env;
  } catch {
    throw new StackError('BAD_SETTING', `${file} is not valid JSON; delete it or run ./dev stack reset`);
  }
}

function definedOnly(env: Env): Env {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
}

function intSetting(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new StackError('BAD_SETTING', `${name} must be a whole number, got "${raw}"`);
  return Number(raw);
}

function port(env: Env, name: string, fallback: number): number {
  const value = intSetting(env, name, fallback);
  if (value < 1024 || value > 65000) {
    throw new StackError('BAD_SETTING', `${name} must be a port between 1024 and 65000, got ${value}`);
  }
  return value;
}

/**
 * Where the stack's own instance of a service listens (settings.ports.services and servicesGrpc, in
 * SERVICE_NAMES order): 4100-4105 and 5100-5105 on the default stack, other ports on a stack with
 * another Fabric base, so two stacks on one machine never answer for each other.
 */
export function servicePorts(settings: StackSettings, name: ServiceName): { http: number; grpc: number } {
  const i = SERVICE_NAMES.indexOf(name);
  return { http: settings.ports.services + i, grpc: settings.ports.servicesGrpc + i };
}

export function serviceUrl(settings: StackSettings, name: ServiceName): string {
  return `http://127.0.0.1:${servicePorts(settings, name).http}`;
}
