import { chownSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { serviceUrl, type StackSettings } from '../settings';
import type { StackContext } from '../components/component';
import { POSTGRES_DATABASE, POSTGRES_USER } from '../components/postgres';
import type { StackConnection } from '../connection';
import { StackError } from '../errors';
import { enrollClientIdentity } from '../fabric/network';
import { binaryFor } from '../fabric/tools';
import { memberFabric } from '../fabric/parties';
import { osUser } from '../os-user';
import { domainPaths, memberBridgeGrpcPort, memberServiceFiles, memberServicePorts, memberServiceUrl, type DomainRecord, type MemberServiceName } from './domain';
import { domainPostgres, domainRedis, findDomain } from './domains';
import { ensureMpcEnrollment, type MpcEnrollment } from './mpc-enrollment';
import { readMspPackage } from './msp-package';
import { domainTrafficKeys } from './traffic-key';

/**
 * How a member-mode service of a member domain is started (DESIGN.md, "Services … and where they
 * run"): as the domain's OS user, against the domain's own PostgreSQL and Redis, its Kafka
 * principal and traffic key, its own peer and an identity enrolled at its own CA, with its files in
 * the domain's folder. Nothing here is the operator's except the public material every member reads
 * (the orderer's TLS CA, the operator's MSP).
 */
export interface MemberServiceLaunch {
  readonly domain: string;
  readonly service: MemberServiceName;
  readonly user: string;
  readonly port: number;
  readonly url: string;
  readonly env: Readonly<Record<string, string>>;
  readonly logFile: string;
  readonly pidFile: string;
}

/**
 * Where a member service of domain `d` serves gRPC at a fixed port, as host:port (what gRPC clients
 * take): the ledger bridge's usage trail at the slot's fourth port; undefined for telemetry and the
 * provisioner, whose gRPC takes a free port (they are reached over HTTP).
 */
export function memberServiceGrpcAddress(settings: StackSettings, d: Pick<DomainRecord, 'index'>, service: MemberServiceName): string | undefined {
  return service === 'ledger-bridge' ? `127.0.0.1:${memberBridgeGrpcPort(settings, d.index)}` : undefined;
}

/** The launch of `service` in the member domain of `mspId`; enrolls the service's identity at the domain's CA on first use. */
export async function memberServiceLaunch(ctx: StackContext, connection: StackConnection, mspId: string, service: MemberServiceName): Promise<MemberServiceLaunch> {
  const d = findDomain(ctx, mspId);
  if (d.role === 'operator') throw new StackError('BAD_SETTING', "the operator's domain runs the operator-mode services, not member ones", 'domains');
  const p = domainPaths(ctx.settings, d.name);
  const pg = domainPostgres(ctx, d);
  const redis = domainRedis(ctx, d);
  const keys = domainTrafficKeys(ctx, d);
  const kafkaCredentials = join(p.secrets, 'kafka.json');
  const common: Record<string, string> = {
    DATAWELL_POSTGRES_URL: `postgres://${POSTGRES_USER}:${encodeURIComponent(pg.password)}@127.0.0.1:${pg.port}/${POSTGRES_DATABASE}`,
    DATAWELL_REDIS_URL: `redis://:${encodeURIComponent(redis.password ?? '')}@127.0.0.1:${redis.port}`,
    DATAWELL_KAFKA_BROKERS: connection.kafka.brokers.join(','),
    ...(existsSync(kafkaCredentials) ? { DATAWELL_KAFKA_CREDENTIALS_FILE: kafkaCredentials } : {}),
    DATAWELL_TRAFFIC_KEY_FILE: keys.current.file,
    ...(keys.previous.length > 0 ? { DATAWELL_TRAFFIC_PREVIOUS_KEY_FILES: keys.previous.map((k) => k.file).join(',') } : {}),
    ...operatorMspEnv(connection),
    DATAWELL_LOG_LEVEL: 'log',
    NODE_ENV: 'development',
  };
  const port = memberServicePorts(ctx.settings, d.index)[service];
  const own = service === 'telemetry' ? telemetryEnv(d, port) : service === 'provisioner' ? await provisionerEnv(ctx, connection, d, port) : await ledgerBridgeEnv(ctx, d, port);
  const env = { ...common, ...own };
  return { domain: d.name, service, user: d.osUser, port, url: memberServiceUrl(ctx.settings, d, service), env, ...memberServiceFiles(ctx.settings, d.name, service) };
}

/** The operator's public MSP (its CA's certificate), which services read to know the operator's identities. */
function operatorMspEnv(connection: StackConnection): Record<string, string> {
  const operator = connection.fabric.orgs['OperatorMSP'];
  return operator ? { DATAWELL_OPERATOR_MSP_DIR: dirname(dirname(operator.peer.tlsCaFile)) } : {};
}

/**
 * The member-mode ledger bridge: it acts as its organisation only (LEDGER_BRIDGE_MEMBER_MSP_ID),
 * through its own peer, with its own wallet, and administers its own part of the network (joining
 * its peer, approving chaincode) with its admin's MSP, as the CLI running as the domain's user.
 */
async function ledgerBridgeEnv(ctx: StackContext, d: DomainRecord, port: number): Promise<Record<string, string>> {
  const p = domainPaths(ctx.settings, d.name);
  const pkg = readMspPackage(ctx, d.name);
  const fabric = memberFabric(ctx, d.mspId);
  const walletDir = join(p.run, 'ledger-bridge-wallet');
  await ensureWallet(ctx, d, walletDir);
  return {
    LEDGER_BRIDGE_HTTP_PORT: String(port),
    // Its gRPC (the usage trail) at the slot's fixed gRPC port, beside its HTTP port.
    LEDGER_BRIDGE_GRPC_PORT: String(memberBridgeGrpcPort(ctx.settings, d.index)),
    LEDGER_BRIDGE_MEMBER_MSP_ID: d.mspId,
    LEDGER_BRIDGE_MEMBER_ROLE: d.role,
    LEDGER_BRIDGE_PEER_ENDPOINT: pkg.peer.endpoint,
    LEDGER_BRIDGE_PEER_HOST_ALIAS: pkg.peer.hostAlias,
    LEDGER_BRIDGE_PEER_TLS_CA_FILE: join(p.publicDir, 'peer-tls-ca.pem'),
    LEDGER_BRIDGE_WALLET_DIR: walletDir,
    LEDGER_BRIDGE_MEMBER_ADMIN_MSP_DIR: fabric.adminMspDir,
    LEDGER_BRIDGE_MEMBER_PEER_CONFIG_DIR: fabric.configDir,
    LEDGER_BRIDGE_MEMBER_PEER_OPERATIONS_URL: fabric.peer.operationsUrl,
    LEDGER_BRIDGE_ORDERER_ENDPOINT: fabric.orderer.address,
    LEDGER_BRIDGE_ORDERER_TLS_CA_FILE: fabric.orderer.tlsCaFile,
    LEDGER_BRIDGE_FABRIC_BIN_DIR: dirname(fabric.bin.peer),
    LEDGER_BRIDGE_MEMBER_WORK_DIR: fabric.workDir,
    // Its own chaincode server: the chaincode its peer endorses with runs here, as the domain's user.
    ...(fabric.chaincodeServer
      ? { LEDGER_BRIDGE_CHAINCODE_PORT: String(fabric.chaincodeServer.port), LEDGER_BRIDGE_CHAINCODE_DIR: fabric.chaincodeServer.dir, LEDGER_BRIDGE_CHAINCODE_REPO_DIR: fabric.chaincodeServer.repoDir }
      : {}),
    // The operator's negotiation service (this stack's instance): the bridge opens there, as its
    // member, the join an accepted admit-member proposal starts (docs/ledger-bridge.md, Governance).
    LEDGER_BRIDGE_NEGOTIATION_URL: serviceUrl(ctx.settings, 'negotiation'),
  };
}

/**
 * Member-mode telemetry (TELEMETRY_MEMBER_MSP_ID): it reads its bridge's sealed events and receipts
 * and its workloads' heartbeats from the member's own topics, and asks its own bridge (the member's
 * commands topic) to submit its snapshots and evaluations as the member. It holds no Fabric identity.
 */
function telemetryEnv(d: DomainRecord, port: number): Record<string, string> {
  return {
    TELEMETRY_HTTP_PORT: String(port),
    // gRPC on a free port (0): the member's telemetry is reached over HTTP at its fixed port.
    TELEMETRY_GRPC_PORT: '0',
    TELEMETRY_MEMBER_MSP_ID: d.mspId,
  };
}

/**
 * The member-mode provisioner (PROVISIONER_MEMBER_MSP_ID): it builds the member's own managed
 * workloads with OpenTofu (state in the domain's PostgreSQL, work folder in the domain's), learns
 * versions from its bridge's sealed events and reports its part through its bridge's commands topic
 * as the member. Its workloads heartbeat to the member's heartbeats topic, sealed with the domain's
 * key, for the member's own telemetry. It holds no Fabric identity and no MPC CA of the operator's: its
 * MPC nodes' identities come from the member's own CA (ensureMpcEnrollment), once the operator has an
 * MPC coordinator whose CA they can trust.
 */
async function provisionerEnv(ctx: StackContext, connection: StackConnection, d: DomainRecord, port: number): Promise<Record<string, string>> {
  // Its work folder (OpenTofu configurations, workload folders with their keys): the domain user's alone.
  const workDir = join(domainPaths(ctx.settings, d.name).run, 'provisioner');
  if (!existsSync(workDir)) mkdirSync(workDir, { recursive: true, mode: 0o700 });
  const { uid, gid } = osUser(d.osUser);
  chownSync(workDir, uid, gid);
  return {
    PROVISIONER_HTTP_PORT: String(port),
    // gRPC on a free port (0): the member's provisioner is reached over HTTP at its fixed port.
    PROVISIONER_GRPC_PORT: '0',
    PROVISIONER_MEMBER_MSP_ID: d.mspId,
    PROVISIONER_WORK_DIR: workDir,
    // The stack's OpenTofu, published where the domain's user may run it (the cache is root's).
    PROVISIONER_TOFU_BINARY: binaryFor(ctx.settings, connection.opentofu.binary, { domain: d.name }),
    ...mpcEnrollmentEnv(await ensureMpcEnrollment(ctx, d), memberServiceUrl(ctx.settings, d, 'ledger-bridge'), serviceUrl(ctx.settings, 'mpc-coordinator')),
  };
}

/**
 * The member's MPC nodes: their identities from its own CA, the coordinator's CA, its own bridge, where
 * a node reads its ledger view, and the operator's coordinator, where a node registers itself.
 */
function mpcEnrollmentEnv(e: MpcEnrollment | undefined, bridgeUrl: string, coordinatorUrl: string): Record<string, string> {
  if (!e) return {};
  return {
    PROVISIONER_MPC_LEDGER_URL: bridgeUrl,
    PROVISIONER_MPC_COORDINATOR_URL: coordinatorUrl,
    PROVISIONER_MPC_ENROLL_URL: e.url,
    PROVISIONER_MPC_ENROLL_CA_NAME: e.caName,
    PROVISIONER_MPC_ENROLL_TLS_CA_FILE: e.tlsCaFile,
    PROVISIONER_MPC_ENROLL_SECRET_FILE: e.secretFile,
    PROVISIONER_MPC_COORDINATOR_CA_FILE: e.coordinatorCaFile,
  };
}

/** The bridge's client identity, enrolled at the domain's own CA, in a wallet folder only the domain's user can read. */
async function ensureWallet(ctx: StackContext, d: DomainRecord, dir: string): Promise<void> {
  const file = join(dir, `${d.mspId}.json`);
  const { uid, gid } = osUser(d.osUser);
  if (!existsSync(file)) {
    const identity = await enrollClientIdentity(ctx, d.mspId, 'ledger-bridge');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(file, JSON.stringify({ mspId: d.mspId, certificatePem: identity.certificatePem, privateKeyPem: identity.privateKeyPem }), { mode: 0o600 });
  }
  for (const f of [dir, ...readdirSync(dir).map((x) => join(dir, x))]) chownSync(f, uid, gid);
}
