import { join } from 'node:path';
import { MSP_ID_PATTERN } from '@datawell/domain';
import { memberPrincipal, OPERATOR_PRINCIPAL } from '../components/kafka-principals';
import { StackError } from '../errors';
import type { StackSettings } from '../settings';

/**
 * A trust domain (DESIGN.md, "Actors, trust domains and identity"): the operator's, or one
 * participant organisation's. On one machine each runs as its own OS user, in its own folder that
 * only that user can read, with its own PostgreSQL and Redis instances and its own Kafka principal;
 * a member's Fabric CA and peer run there too, so its keys are made in the domain and stay there.
 * This file is the pure model: names, users, ports and paths, no I/O.
 */
export type DomainRole = 'operator' | 'DSP' | 'VSP';
export const MEMBER_ROLES: readonly DomainRole[] = ['DSP', 'VSP'];

export const OPERATOR_DOMAIN = 'operator';
export const OPERATOR_MSP = 'OperatorMSP';
/** MSP ids the stack uses itself: no participant may take them. */
const RESERVED_MSP_IDS = new Set([OPERATOR_MSP, 'OrdererMSP']);
/** useradd's limit on a user name. */
const MAX_USER_NAME = 32;
const USER_PREFIX = 'dw-';
/** Slots of the port plan (domain 0 is the operator's). */
export const MAX_DOMAINS = 100;

export interface DomainRecord {
  /** `operator`, or the organisation's MSP id. */
  readonly name: string;
  readonly role: DomainRole;
  readonly mspId: string;
  /** The OS user that runs the domain's processes and owns its folder. */
  readonly osUser: string;
  /** Position in the port plan, fixed for the domain's lifetime. */
  readonly index: number;
  readonly ports: { readonly postgres: number; readonly redis: number };
  /**
   * The domain's Kafka principal (a SCRAM user name), as the Kafka tooling names it
   * (components/kafka-principals.ts), which also makes its credentials.
   */
  readonly kafkaPrincipal: string;
}

export interface DomainPaths {
  /** The domain's own folder, mode 0700, owned by its OS user. */
  readonly root: string;
  /** Public material (the MSP package), world-readable, outside the private folder. */
  readonly publicDir: string;
  readonly postgres: string;
  readonly redis: string;
  /** The organisation's Fabric folder (CA, MSP, nodes, users) when the domain is a member. */
  readonly fabric: string;
  readonly run: string;
  readonly logs: string;
  /** Secrets the tooling made for the domain (database and Redis passwords), mode 0600. */
  readonly secrets: string;
}

export function domainsDir(settings: StackSettings): string {
  return join(settings.stackDir, 'domains');
}

export function domainPaths(settings: StackSettings, name: string): DomainPaths {
  const root = join(domainsDir(settings), name);
  return {
    root,
    publicDir: join(domainsDir(settings), 'public', name),
    postgres: join(root, 'postgres'),
    redis: join(root, 'redis'),
    fabric: join(root, 'fabric'),
    run: join(root, 'run'),
    logs: join(root, 'logs'),
    secrets: join(root, 'secrets'),
  };
}

/** `dw-operator`, or `dw-` and the MSP id in lower case (`AcmeMSP` → `dw-acmemsp`). */
export function osUserFor(name: string): string {
  return `${USER_PREFIX}${name.toLowerCase()}`;
}

/** Checks a member domain's MSP id and role from user input; throws BAD_SETTING with one clear line. */
export function validateMember(mspId: string, role: string): DomainRole {
  if (!MSP_ID_PATTERN.test(mspId)) throw new StackError('BAD_SETTING', `MSP id "${mspId}" must be letters and digits ending in "MSP", e.g. AcmeMSP`, 'domains');
  if (RESERVED_MSP_IDS.has(mspId)) throw new StackError('BAD_SETTING', `${mspId} is the stack's own organisation, not a participant`, 'domains');
  if (osUserFor(mspId).length > MAX_USER_NAME) {
    throw new StackError('BAD_SETTING', `MSP id "${mspId}" is too long for a domain: at most ${MAX_USER_NAME - USER_PREFIX.length} characters`, 'domains');
  }
  if (!MEMBER_ROLES.includes(role as DomainRole)) throw new StackError('BAD_SETTING', `role must be DSP or VSP, got "${role}"`, 'domains');
  return role as DomainRole;
}

/**
 * Ports of domain k: the stack's PostgreSQL and Redis ports plus k, so the operator's domain
 * (k = 0) keeps the stack's own ports and each member's follow them.
 */
export function domainPorts(settings: StackSettings, index: number): DomainRecord['ports'] {
  if (!Number.isInteger(index) || index < 0 || index >= MAX_DOMAINS) throw new StackError('BAD_SETTING', `the port plan has room for ${MAX_DOMAINS} domains`, 'domains');
  return { postgres: settings.ports.postgres + index, redis: settings.ports.redis + index };
}

export function operatorDomain(settings: StackSettings): DomainRecord {
  return { name: OPERATOR_DOMAIN, role: 'operator', mspId: OPERATOR_MSP, osUser: osUserFor(OPERATOR_DOMAIN), index: 0, ports: domainPorts(settings, 0), kafkaPrincipal: OPERATOR_PRINCIPAL };
}

/**
 * The member-mode services a member domain runs (DESIGN.md, "Services … and where they run"): the
 * ledger bridge, then telemetry and the provisioner (they read the bridge's topics and submit through it).
 */
export const MEMBER_SERVICES = ['ledger-bridge', 'telemetry', 'provisioner'] as const;
export type MemberServiceName = (typeof MEMBER_SERVICES)[number];
/** Ports per domain slot above the Fabric plan: the three member services' HTTP ports and the ledger bridge's gRPC port. */
const SERVICE_PORTS_PER_DOMAIN = 4;

/**
 * HTTP ports of domain k's member services: above the Fabric plan (base + 1000 + 4k + i), so they
 * move with DATAWELL_FABRIC_PORT_BASE like every port of a stack's network.
 */
export function memberServicePorts(settings: StackSettings, index: number): Record<MemberServiceName, number> {
  const first = settings.ports.fabricBase + 1000 + SERVICE_PORTS_PER_DOMAIN * index;
  return Object.fromEntries(MEMBER_SERVICES.map((name, i) => [name, first + i])) as Record<MemberServiceName, number>;
}

/**
 * The gRPC port of domain k's ledger bridge (its usage trail over gRPC, docs/ledger-bridge.md): the
 * slot's fourth port, after its member services' HTTP ports (base + 1000 + 4k + 3).
 */
export function memberBridgeGrpcPort(settings: StackSettings, index: number): number {
  return settings.ports.fabricBase + 1000 + SERVICE_PORTS_PER_DOMAIN * index + MEMBER_SERVICES.length;
}

/** Pid and log files of a member service in its domain's folder. */
/**
 * The port of domain k's console: the web console served in the member's own domain, with the
 * domain's own services behind it (base + 1400 + k, above the member services' slots).
 */
export function memberConsolePort(settings: StackSettings, index: number): number {
  return settings.ports.fabricBase + 1400 + index;
}

/** Pid and log file of a member domain's console, in its folder. */
export function memberConsoleFiles(settings: StackSettings, domain: string): { pidFile: string; logFile: string } {
  const p = domainPaths(settings, domain);
  return { pidFile: join(p.run, 'console.pid'), logFile: join(p.logs, 'console.log') };
}

export function memberServiceFiles(settings: StackSettings, domain: string, service: MemberServiceName): { pidFile: string; logFile: string } {
  const p = domainPaths(settings, domain);
  return { pidFile: join(p.run, `service-${service}.pid`), logFile: join(p.logs, `service-${service}.log`) };
}

export function memberServiceUrl(settings: StackSettings, d: DomainRecord, service: MemberServiceName): string {
  return `http://127.0.0.1:${memberServicePorts(settings, d.index)[service]}`;
}

/** A new member domain in the next free slot, refused when one of its ports is already in the plan. */
export function newMemberDomain(settings: StackSettings, existing: readonly DomainRecord[], mspId: string, role: string): DomainRecord {
  const checkedRole = validateMember(mspId, role);
  const index = Math.max(0, ...existing.map((d) => d.index)) + 1;
  const domain: DomainRecord = { name: mspId, role: checkedRole, mspId, osUser: osUserFor(mspId), index, ports: domainPorts(settings, index), kafkaPrincipal: memberPrincipal(mspId) };
  const clash = portClash(settings, [...existing, domain]);
  if (clash) throw new StackError('BAD_SETTING', clash, 'domains');
  return domain;
}

/**
 * The stack's fixed ports (Kafka's, and the Fabric range from its base) and every domain's: the
 * first port used twice, described, or undefined when the plan is free of clashes.
 */
export function portClash(settings: StackSettings, domains: readonly DomainRecord[]): string | undefined {
  const owner = new Map<number, string>();
  const claim = (port: number, who: string): string | undefined => {
    const other = owner.get(port);
    if (other && other !== who) return `port ${port} of ${who} is already ${other}'s: choose other DATAWELL_*_PORT settings`;
    owner.set(port, who);
    return undefined;
  };
  const fabricBase = settings.ports.fabricBase;
  const fixed: [number, string][] = [[settings.ports.kafka, 'Kafka'], [settings.ports.kafkaController, 'the Kafka controller']];
  for (const [port, who] of fixed) claim(port, who);
  for (const d of domains) {
    const ports = { ...d.ports, ...(d.role === 'operator' ? {} : { ...memberServicePorts(settings, d.index), 'ledger-bridge gRPC': memberBridgeGrpcPort(settings, d.index), console: memberConsolePort(settings, d.index) }) };
    for (const [kind, port] of Object.entries(ports)) {
      // The Fabric plan spans base … base+1000 (fabric/layout.ts).
      if (port >= fabricBase && port < fabricBase + 1000) return `port ${port} (${kind}) of domain ${d.name} falls in the Fabric range from DATAWELL_FABRIC_PORT_BASE=${fabricBase}`;
      const why = claim(port, `domain ${d.name} (${kind})`);
      if (why) return why;
    }
  }
  return undefined;
}
