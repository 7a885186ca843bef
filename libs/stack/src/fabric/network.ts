import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Component, ComponentHealth, StackContext } from '../components/component';
import { StackError } from '../errors';
import { caHealthy, caLogFile, caPid, enroll, onlyFile, register, stopCa } from './ca';
import { chaincodeProcess, deployChaincode, portOpen, queryChaincode, startChaincodeServer, stopChaincodeServer } from './chaincode';
import { channelMembers, createChannel } from './channel';
import { MAX_ORGS, OPERATOR_ORG, ORDERER_ORG, fabricDirs, findOrg, loadRegistry, orgUser, saveRegistry, slugFor, type OrgRecord } from './layout';
import { nodeHealthy, ordererProcess, peerProcess, setPeerChannelsPaused, startPeer, startOrderer, stopNode, type NodeProcess } from './nodes';
import { nodeNames, setupOrg } from './org';
import { ownChaincodeServerOf, publishOrdererAccess } from './parties';
import { ownChaincodeProcesses, ownChaincodeRecords, startOwnChaincodeServer, stopOwnChaincodeServers } from './own-chaincode';
import { isAlive, readPid, waitFor } from '../proc';
import { withStackLock } from '../lock';

export const MARKETPLACE_CHANNEL = 'marketplace';
export const PROBE_CHAINCODE = 'hello';

function registeredOrgs(ctx: StackContext): OrgRecord[] {
  const dirs = fabricDirs(ctx.settings);
  const registry = loadRegistry(dirs);
  let changed = false;
  for (const base of [ORDERER_ORG, OPERATOR_ORG]) {
    if (!registry.orgs.some((o) => o.mspId === base.mspId)) {
      registry.orgs.push(base);
      changed = true;
    }
  }
  if (changed) saveRegistry(dirs, registry);
  return registry.orgs;
}

/**
 * Adds a participant organisation: its own Fabric CA, MSP, admin identity and peer process.
 * Returns the org record; idempotent for an org that exists.
 */
export async function addOrganisation(ctx: StackContext, mspId: string): Promise<OrgRecord> {
  return withStackLock(ctx, () => addOrganisationLocked(ctx, mspId));
}

/**
 * The same for an organisation held by its own trust domain (domains/domains.ts): its CA, MSP,
 * nodes and users live in the domain's folder and its processes run as the domain's OS user.
 */
export async function addDomainOrganisation(ctx: StackContext, mspId: string): Promise<OrgRecord> {
  return withStackLock(ctx, () => addOrganisationLocked(ctx, mspId, mspId));
}

async function addOrganisationLocked(ctx: StackContext, mspId: string, domain?: string): Promise<OrgRecord> {
  const slug = slugFor(mspId);
  const dirs = fabricDirs(ctx.settings);
  registeredOrgs(ctx);
  const registry = loadRegistry(dirs);
  let org = registry.orgs.find((o) => o.mspId === mspId);
  if (org && org.domain !== domain) {
    const held = (o: OrgRecord | { domain?: string }) => (o.domain ? `in its own domain` : `by the operator's tooling`);
    throw new StackError('BAD_SETTING', `${mspId} exists already, held ${held(org)}, not ${held({ ...(domain ? { domain } : {}) })}`, 'fabric');
  }
  if (org?.parked) {
    // Taken up again: its peer's channels resume (parkDomain paused them), `up` starts it from now on.
    const { parked: _parked, ...active } = org;
    org = active;
    await setPeerChannelsPaused(ctx, org, false);
    registry.orgs = registry.orgs.map((o) => (o.mspId === mspId ? active : o));
    saveRegistry(dirs, registry);
  }
  let created = false;
  if (!org) {
    if (registry.orgs.some((o) => o.slug === slug)) throw new StackError('BAD_SETTING', `an organisation named like ${mspId} exists already`, 'fabric');
    const index = Math.max(...registry.orgs.map((o) => o.index)) + 1;
    if (index >= MAX_ORGS) throw new StackError('BAD_SETTING', `the port plan has room for ${MAX_ORGS} organisations`, 'fabric');
    org = { mspId, slug, kind: 'peer', index, ...(domain ? { domain } : {}) };
    registry.orgs.push(org);
    saveRegistry(dirs, registry);
    created = true;
  }
  try {
    await setupOrg(ctx, org);
    await startPeer(ctx, org);
  } catch (error) {
    // A new organisation that did not come up (a port another process holds, a CA that would not
    // start) is forgotten whole: a half-made one would stay registered and fail every later `up`.
    if (created) await forgetOrganisation(ctx, org);
    throw error;
  }
  if (org.domain) await startOwnChaincodeServers(ctx, org);
  return org;
}

/** Stops a new organisation's CA and peer and removes it from the registry and its Fabric folder (its logs stay). */
async function forgetOrganisation(ctx: StackContext, org: OrgRecord): Promise<void> {
  await stopNode(peerProcess(ctx, org));
  await stopCa(ctx, org);
  const dirs = fabricDirs(ctx.settings);
  const registry = loadRegistry(dirs);
  registry.orgs = registry.orgs.filter((o) => o.mspId !== org.mspId);
  delete registry.caSecrets[org.mspId];
  saveRegistry(dirs, registry);
  rmSync(dirs.org(org), { recursive: true, force: true });
}

/** A domain organisation's own chaincode servers (own-chaincode.ts), started as its OS user from its records. */
async function startOwnChaincodeServers(ctx: StackContext, org: OrgRecord): Promise<void> {
  const server = ownChaincodeServerOf(ctx, org);
  for (const record of ownChaincodeRecords(server)) await startOwnChaincodeServer(server, record, orgUser(org));
}

function nodes(ctx: StackContext): NodeProcess[] {
  const orgs = registeredOrgs(ctx);
  return [
    ...nodeNames(ctx, ORDERER_ORG).map((_, i) => ordererProcess(ctx, i)),
    ...orgs.filter((o) => o.kind === 'peer').map((o) => peerProcess(ctx, o)),
  ];
}

/**
 * The Fabric network: a CA per organisation, Raft orderers on the channel participation API, the
 * operator's peer, the `marketplace` channel and a probe chaincode running as a service.
 */
export const fabric: Component = {
  name: 'fabric',
  async start(ctx) {
    // A parked domain's CA stays stopped; its peer runs, as every channel member's must (domains.ts parkDomain).
    const orgs = registeredOrgs(ctx);
    for (const org of orgs.filter((o) => !o.parked)) await setupOrg(ctx, org);
    for (const [i] of nodeNames(ctx, ORDERER_ORG).entries()) await startOrderer(ctx, i);
    // Every organisation's admin (the tooling's and the members' in their domains) reaches the ordering service with it.
    publishOrdererAccess(ctx);
    for (const org of orgs.filter((o) => o.kind === 'peer')) await startPeer(ctx, org);
    // Created once with the operator, who governs it alone; participants join later by config updates.
    if (!loadRegistry(fabricDirs(ctx.settings)).channels[MARKETPLACE_CHANNEL]) await createChannel(ctx, MARKETPLACE_CHANNEL, [OPERATOR_ORG.mspId], { governor: OPERATOR_ORG.mspId });
    // After a restart each channel's Raft group elects a leader again before it orders anything.
    else await waitFor(`the ordering service to serve ${MARKETPLACE_CHANNEL}`, async () => (await channelMembers(ctx, OPERATOR_ORG.mspId, MARKETPLACE_CHANNEL)).length > 0, 120000, 'fabric');
    const registry = loadRegistry(fabricDirs(ctx.settings));
    if (!registry.chaincodes[PROBE_CHAINCODE]) {
      await deployChaincode(ctx, { name: PROBE_CHAINCODE, channel: MARKETPLACE_CHANNEL, modulePath: join(ctx.settings.repoDir, 'chaincode', 'hello') });
    }
    for (const name of Object.keys(loadRegistry(fabricDirs(ctx.settings)).chaincodes)) await startChaincodeServer(ctx, name);
    // Each domain organisation's own chaincode servers, as its OS user (a parked domain's stay stopped).
    for (const org of orgs.filter((o) => o.domain && !o.parked)) await startOwnChaincodeServers(ctx, org);
  },
  async stop(ctx) {
    const registry = loadRegistry(fabricDirs(ctx.settings));
    for (const org of registry.orgs.filter((o) => o.domain)) await stopOwnChaincodeServers(ownChaincodeServerOf(ctx, org));
    for (const name of Object.keys(registry.chaincodes)) await stopChaincodeServer(ctx, name);
    for (const node of nodes(ctx).reverse()) await stopNode(node);
    for (const org of registeredOrgs(ctx)) await stopCa(ctx, org);
  },
  async health(ctx): Promise<ComponentHealth[]> {
    const out: ComponentHealth[] = [];
    for (const org of registeredOrgs(ctx)) {
      if (org.parked) {
        out.push(parkedHealth(`ca-${org.slug}`, org));
        continue;
      }
      const pid = caPid(ctx, org);
      out.push(await probe(`ca-${org.slug}`, pid, `${org.mspId} certificate authority`, () => caHealthy(ctx, org)));
    }
    for (const node of nodes(ctx)) {
      const pid = readPid(node.pidFile);
      out.push(await probe(node.name, isAlive(pid) ? pid : undefined, `${node.org.mspId} ${node.endpoint}`, () => nodeHealthy(node)));
    }
    const registry = loadRegistry(fabricDirs(ctx.settings));
    for (const [name, cc] of Object.entries(registry.chaincodes)) {
      const { pid } = chaincodeProcess(ctx, name);
      const probeFn = name === PROBE_CHAINCODE ? async () => (await queryChaincode(ctx, OPERATOR_ORG.mspId, MARKETPLACE_CHANNEL, name, ['Ping'])).includes('pong') : async () => true;
      out.push(await probe(`chaincode-${name}`, pid, `${Object.keys(cc.channels).join(', ')} ${cc.packageId.slice(0, 24)}…`, probeFn));
    }
    for (const org of registry.orgs.filter((o) => o.domain)) {
      for (const cc of ownChaincodeProcesses(ownChaincodeServerOf(ctx, org))) {
        const name = `chaincode-${cc.record.name}@${org.domain}`;
        if (org.parked) out.push(parkedHealth(name, org));
        else out.push(await probe(name, cc.pid, `${org.mspId}'s own ${cc.record.packageId.slice(0, 24)}… on 127.0.0.1:${cc.record.port}`, () => portOpen(cc.record.port)));
      }
    }
    return out;
  },
  logs(ctx) {
    const logs: Record<string, string> = {};
    for (const org of registeredOrgs(ctx)) logs[`ca-${org.slug}`] = caLogFile(ctx, org);
    for (const node of nodes(ctx)) logs[node.name] = node.logFile;
    const registry = loadRegistry(fabricDirs(ctx.settings));
    for (const name of Object.keys(registry.chaincodes)) logs[`chaincode-${name}`] = chaincodeProcess(ctx, name).logFile;
    for (const org of registry.orgs.filter((o) => o.domain)) {
      for (const cc of ownChaincodeProcesses(ownChaincodeServerOf(ctx, org))) logs[`chaincode-${cc.record.name}@${org.domain}`] = cc.logFile;
    }
    return logs;
  },
};

/** A parked organisation's process: stopped on purpose, so not a failure of the stack. */
export function parkedHealth(name: string, org: OrgRecord): ComponentHealth {
  return { name, healthy: true, detail: `parked with domain ${org.domain ?? org.mspId} (./dev domain add takes it up again)` };
}

async function probe(name: string, pid: number | undefined, detail: string, check: () => Promise<boolean>): Promise<ComponentHealth> {
  if (pid === undefined) return { name, healthy: false, detail: 'not running' };
  try {
    const ok = await check();
    return { name, healthy: ok, pid, detail: ok ? detail : `${detail}: health check failed` };
  } catch (e) {
    return { name, healthy: false, pid, detail: `${detail}: ${e instanceof Error ? e.message : String(e)}` };
  }
}

export interface EnrolledIdentity {
  readonly mspId: string;
  readonly id: string;
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

/**
 * The organisation's admin identity (OU=admin, enrolled when its organisation was set up: its
 * domain's, for a domain's organisation), e.g. to sign in at its own bridge for what only its admin
 * may ask (a config update's signature). Read from its admin MSP folder; nothing is enrolled.
 */
export function orgAdminIdentity(ctx: StackContext, mspId: string): EnrolledIdentity {
  const dir = fabricDirs(ctx.settings).adminMsp(findOrg(loadRegistry(fabricDirs(ctx.settings)), mspId));
  return { mspId, id: 'admin', certificatePem: readFileSync(join(dir, 'signcerts', 'cert.pem'), 'utf8'), privateKeyPem: readFileSync(onlyFile(join(dir, 'keystore')), 'utf8') };
}

/**
 * Registers and enrolls a new client identity at the org's Fabric CA, through the CA's own
 * client. The identity's key stays in the stack folder; the caller gets the PEMs.
 */
export async function enrollClientIdentity(ctx: StackContext, mspId: string, id: string): Promise<EnrolledIdentity> {
  return withStackLock(ctx, () => enrollLocked(ctx, mspId, id));
}

async function enrollLocked(ctx: StackContext, mspId: string, id: string): Promise<EnrolledIdentity> {
  const org = findOrg(loadRegistry(fabricDirs(ctx.settings)), mspId);
  if (!/^[\w.@-]{1,64}$/.test(id)) throw new StackError('BAD_SETTING', `identity name "${id}" must be 1-64 letters, digits, ., @, _ or -`, 'fabric');
  const dir = join(fabricDirs(ctx.settings).org(org), 'users', id, 'msp');
  const secret = randomBytes(18).toString('base64url');
  if (!existsSync(join(dir, 'signcerts', 'cert.pem'))) {
    await register(ctx, org, id, secret, 'client');
    await enroll(ctx, org, id, secret, dir);
  }
  return {
    mspId,
    id,
    certificatePem: readFileSync(join(dir, 'signcerts', 'cert.pem'), 'utf8'),
    privateKeyPem: readFileSync(onlyFile(join(dir, 'keystore')), 'utf8'),
  };
}
