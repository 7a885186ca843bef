import { join } from 'node:path';
import type { StackContext } from '../components/component';
import { run, type RunResult } from '../proc';
import { HOST, ORDERER_ORG, fabricDirs, fabricPorts, type OrgRecord } from './layout';
import { peerConfigDir } from './nodes';
import { fabricBin } from './tools';

/**
 * Environment that makes Fabric's own `peer` CLI act as the org's admin against its peer, the way
 * Fabric's test network does (also printed by `./dev stack env --org <MSPID>`).
 */
export function peerAdminEnv(ctx: StackContext, org: OrgRecord): Record<string, string> {
  const dirs = fabricDirs(ctx.settings);
  const orderer0 = join(dirs.node(ORDERER_ORG, 'orderer0'), 'tls');
  return {
    FABRIC_CFG_PATH: peerConfigDir(ctx, org),
    CORE_PEER_TLS_ENABLED: 'true',
    CORE_PEER_LOCALMSPID: org.mspId,
    CORE_PEER_MSPCONFIGPATH: dirs.adminMsp(org),
    CORE_PEER_ADDRESS: `${HOST}:${fabricPorts(ctx.settings).peer(org).listen}`,
    CORE_PEER_TLS_ROOTCERT_FILE: join(dirs.orgMsp(org), 'tlscacerts', 'ca.pem'),
    ORDERER_ADDRESS: `${HOST}:${fabricPorts(ctx.settings).orderer(0).listen}`,
    ORDERER_CA: join(orderer0, 'ca.crt'),
    ORDERER_ADMIN_ADDRESS: `${HOST}:${fabricPorts(ctx.settings).orderer(0).admin}`,
    ORDERER_ADMIN_TLS_SIGN_CERT: join(orderer0, 'server.crt'),
    ORDERER_ADMIN_TLS_PRIVATE_KEY: join(orderer0, 'server.key'),
  };
}

/**
 * The longest one Fabric CLI call (`peer`, `osnadmin`) may take. Each is a single request (a join, an
 * approval waiting for its commit event, an install of a package that only names a chaincode
 * server), seconds normally and a minute or two at load 15; one that hangs (a stalled connection)
 * is killed, so its caller's retry runs instead of waiting forever.
 */
export const FABRIC_CLI_TIMEOUT_MS = 5 * 60_000;

export function peerCli(ctx: StackContext, org: OrgRecord, args: string[], cwd?: string): Promise<RunResult> {
  return run(fabricBin(ctx.settings, 'peer'), args, { env: peerAdminEnv(ctx, org), ...(cwd ? { cwd } : {}), timeoutMs: FABRIC_CLI_TIMEOUT_MS });
}

/** Flags every peer CLI call that talks to the ordering service needs. */
export function ordererFlags(ctx: StackContext): string[] {
  const tls = join(fabricDirs(ctx.settings).node(ORDERER_ORG, 'orderer0'), 'tls');
  return ['-o', `${HOST}:${fabricPorts(ctx.settings).orderer(0).listen}`, '--ordererTLSHostnameOverride', HOST, '--tls', '--cafile', join(tls, 'ca.crt')];
}

/** osnadmin against orderer i, authenticated with the orderer's TLS identity (mutual TLS). */
export function osnadmin(ctx: StackContext, i: number, args: string[]): Promise<RunResult> {
  const tls = join(fabricDirs(ctx.settings).node(ORDERER_ORG, `orderer${i}`), 'tls');
  return run(fabricBin(ctx.settings, 'osnadmin'), [
    ...args,
    '-o', `${HOST}:${fabricPorts(ctx.settings).orderer(i).admin}`,
    '--ca-file', join(tls, 'ca.crt'),
    '--client-cert', join(tls, 'server.crt'),
    '--client-key', join(tls, 'server.key'),
  ], { timeoutMs: FABRIC_CLI_TIMEOUT_MS });
}
