/**
 * The bench network for the Caliper benchmark: two organisations, a DAO channel running the dao
 * chaincode (version 1 initialised once) and a channel of the same two organisations running the
 * put-state baseline, so both rounds have the same endorsement policy (MAJORITY = both orgs).
 * Everything is idempotent: fixed names on the persistent native stack.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { connectGateway } from '@datawell/fabric';
import { addOrganisation, buildConnection, createChannel, deployChaincode, enrollClientIdentity, type EnrolledIdentity, type StackContext } from '@datawell/stack';
import { stringify } from 'yaml';

export const BENCH_ORGS = ['BenchDspMSP', 'BenchVspMSP'] as const;
export const DAO = { name: 'bench-dao', channel: 'dao-bench-v1', module: 'chaincode/dao', sources: ['chaincode/dao/src', 'chaincode/common/src', 'libs/domain/src'] } as const;
export const PUTSTATE = { name: 'bench-putstate', channel: 'bench-putstate', module: 'chaincode/putstate', sources: ['chaincode/putstate/src'] } as const;
/** One client identity per organisation; the workloads alternate between them. */
export const CLIENT_ID = 'bench-caliper';

type BenchChaincode = typeof DAO | typeof PUTSTATE;

const agreement = {
  agreementId: 'bench-agreement-1',
  daoId: 'bench',
  version: 1,
  betaPpm: 600_000,
  members: [
    { mspId: 'BenchDspMSP', group: 'D', role: 'DSP', weight: 1, ownershipPpm: 600_000 },
    { mspId: 'BenchVspMSP', group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 400_000 },
  ],
  terms: {
    durationDays: 365,
    businessModel: 'pay-per-use',
    heartbeatIntervalSeconds: 3600,
    abandonAfterSeconds: 365 * 86_400,
    exitNoticeSeconds: 86_400,
    computations: [{ name: 'mean', resultRecipients: ['BenchDspMSP'] }],
  },
  infrastructure: { workloads: [{ name: 'mpc-dsp', owner: 'BenchDspMSP', placement: 'managed', kind: 'mpc-node' }] },
  documentDigest: 'be'.repeat(32),
};

/** Digest of every source file the chaincode runs: a changed chaincode gets a new version. */
function sourceDigest(repoDir: string, dirs: readonly string[]): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && !entry.name.includes('spec-helper')) {
        hash.update(relative(repoDir, path)).update('\0').update(readFileSync(path)).update('\0');
      }
    }
  };
  for (const dir of dirs) walk(join(repoDir, dir));
  return hash.digest('hex').slice(0, 12);
}

function registeredVersion(ctx: StackContext, name: string): string | undefined {
  const file = join(ctx.settings.stackDir, 'fabric', 'registry.json');
  if (!existsSync(file)) return undefined;
  const registry = JSON.parse(readFileSync(file, 'utf8')) as { chaincodes?: Record<string, { version: string }> };
  return registry.chaincodes?.[name]?.version;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z');
  } catch {
    return false;
  }
};

/**
 * The stack keeps a running chaincode server and would serve old code under a new package, so a
 * bench chaincode deployed from older sources is stopped first (by its own pid file, bench names only).
 */
async function stopStaleBenchServer(ctx: StackContext, name: string): Promise<void> {
  if (!name.startsWith('bench-')) throw new Error(`refusing to restart ${name}: not a bench chaincode`);
  const pidFile = join(ctx.settings.stackDir, 'run', `cc-${name}.pid`);
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return;
  try {
    process.kill(-pid, 'SIGTERM'); // its own process group (started detached by the stack)
  } catch {
    process.kill(pid, 'SIGTERM');
  }
  const deadline = Date.now() + 15000;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) throw new Error(`bench chaincode server ${name} (pid ${pid}) did not stop`);
}

async function deploy(ctx: StackContext, cc: BenchChaincode): Promise<string> {
  await createChannel(ctx, cc.channel, [...BENCH_ORGS]);
  const version = `1.0-${sourceDigest(ctx.settings.repoDir, cc.sources)}`;
  const previous = registeredVersion(ctx, cc.name);
  if (previous !== undefined && previous !== version) await stopStaleBenchServer(ctx, cc.name);
  await deployChaincode(ctx, { name: cc.name, channel: cc.channel, modulePath: join(ctx.settings.repoDir, cc.module), version });
  return version;
}

/** Initialises version 1 of the bench DAO unless the channel holds it already. */
async function initDao(ctx: StackContext, identity: EnrolledIdentity): Promise<void> {
  const org = buildConnection(ctx).fabric.orgs[identity.mspId];
  if (!org) throw new Error(`the stack has no organisation ${identity.mspId}`);
  const conn = connectGateway({ endpoint: org.peer.endpoint, hostAlias: org.peer.hostAlias, tlsCaPem: readFileSync(org.peer.tlsCaFile, 'utf8') }, identity);
  try {
    const contract = conn.gateway.getNetwork(DAO.channel).getContract(DAO.name);
    try {
      await contract.evaluateTransaction('GetVersion');
      return;
    } catch (e) {
      const text = [(e as Error).message, ...((e as { details?: { message?: string }[] }).details ?? []).map((d) => d.message ?? '')].join(' | ');
      if (!text.includes('NOT_FOUND')) throw e;
    }
    ctx.progress.step('bench', `InitVersion of DAO bench on ${DAO.channel}`);
    await contract.submitTransaction('InitVersion', JSON.stringify(agreement));
  } finally {
    conn.close();
  }
}

export interface PreparedNetwork {
  readonly identities: readonly EnrolledIdentity[];
  readonly versions: Readonly<Record<string, string>>;
}

export async function prepareNetwork(ctx: StackContext): Promise<PreparedNetwork> {
  for (const msp of BENCH_ORGS) await addOrganisation(ctx, msp);
  const versions = { [DAO.name]: await deploy(ctx, DAO), [PUTSTATE.name]: await deploy(ctx, PUTSTATE) };
  const identities: EnrolledIdentity[] = [];
  for (const msp of BENCH_ORGS) identities.push(await enrollClientIdentity(ctx, msp, CLIENT_ID));
  await initDao(ctx, identities[0] as EnrolledIdentity);
  return { identities, versions };
}

/**
 * Caliper's network configuration (fabric connector, version 2.0.0 format) and one connection
 * profile per organisation, generated from the running stack since ports and paths are per machine.
 * Caliper's peer-gateway connector connects each identity to the first peer of its organisation.
 */
export function writeNetworkConfig(ctx: StackContext, identities: readonly EnrolledIdentity[], dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const fabric = buildConnection(ctx).fabric;
  const organizations = identities.map((identity) => {
    const org = fabric.orgs[identity.mspId];
    if (!org) throw new Error(`the stack has no organisation ${identity.mspId}`);
    const profile = {
      name: `${identity.mspId}-profile`,
      version: '1.0.0',
      client: { organization: identity.mspId },
      organizations: { [identity.mspId]: { mspid: identity.mspId, peers: [org.peer.name] } },
      peers: {
        [org.peer.name]: {
          url: `grpcs://${org.peer.endpoint}`,
          tlsCACerts: { pem: readFileSync(org.peer.tlsCaFile, 'utf8') },
          grpcOptions: { 'ssl-target-name-override': org.peer.hostAlias },
        },
      },
    };
    const profilePath = join(dir, `profile-${identity.mspId}.yaml`);
    writeFileSync(profilePath, stringify(profile), { mode: 0o600 });
    return {
      mspid: identity.mspId,
      identities: {
        certificates: [{ name: `${CLIENT_ID}-${identity.mspId}`, clientPrivateKey: { pem: identity.privateKeyPem }, clientSignedCert: { pem: identity.certificatePem } }],
      },
      connectionProfile: { path: profilePath, discover: true },
    };
  });
  const network = {
    name: 'datawell-bench',
    version: '2.0.0',
    caliper: { blockchain: 'fabric' },
    channels: [
      { channelName: DAO.channel, contracts: [{ id: DAO.name }] },
      { channelName: PUTSTATE.channel, contracts: [{ id: PUTSTATE.name }] },
    ],
    organizations,
  };
  const path = join(dir, 'network.yaml');
  writeFileSync(path, stringify(network), { mode: 0o600 });
  return path;
}
