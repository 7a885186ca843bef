/**
 * The bench network for the Caliper benchmark: two organisations, a DAO channel running the dao
 * chaincode (version 1 initialised once) and a channel of the same two organisations running the
 * put-state baseline, so both rounds have the same endorsement policy (MAJORITY = both orgs).
 * Everything is idempotent: fixed names on the persistent native stack.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DAO as DAO_CATALOGUE, type Agreement } from '@datawell/contracts';
import { connectGateway, submitTransaction } from '@datawell/fabric';
import { addOrganisation, buildConnection, createChannel, deployChaincode, enrollClientIdentity, sourceVersion, type EnrolledIdentity, type StackContext } from '@datawell/stack';
import { acceptancesOf, registerParticipants } from '@datawell/testing';
import { stringify } from 'yaml';

export const BENCH_ORGS = ['BenchDspMSP', 'BenchVspMSP'] as const;
export const DAO = { name: 'bench-dao', channel: 'dao-bench-v1', module: 'chaincode/dao', sources: ['chaincode/dao/src', 'chaincode/common/src', 'libs/domain/src'] } as const;
export const PUTSTATE = { name: 'bench-putstate', channel: 'bench-putstate', module: 'chaincode/putstate', sources: ['chaincode/putstate/src'] } as const;
/** One client identity per organisation; the workloads alternate between them. */
export const CLIENT_ID = 'bench-caliper';

type BenchChaincode = typeof DAO | typeof PUTSTATE;

const agreement: Agreement = {
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

async function deploy(ctx: StackContext, cc: BenchChaincode): Promise<string> {
  await createChannel(ctx, cc.channel, [...BENCH_ORGS]);
  const version = sourceVersion(ctx.settings.repoDir, cc.sources);
  await deployChaincode(ctx, { name: cc.name, channel: cc.channel, modulePath: join(ctx.settings.repoDir, cc.module), version });
  return version;
}

/**
 * Initialises version 1 of the bench DAO. InitVersion is idempotent (a retry of the same agreement
 * returns the version), and it rewrites a version an earlier dao chaincode stored with one key per
 * member as one record, so RecordRevenue is always measured on the current state layout.
 */
async function initDao(ctx: StackContext, identities: readonly EnrolledIdentity[]): Promise<void> {
  const identity = identities[0] as EnrolledIdentity;
  const org = buildConnection(ctx).fabric.orgs[identity.mspId];
  if (!org) throw new Error(`the stack has no organisation ${identity.mspId}`);
  const conn = connectGateway({ endpoint: org.peer.endpoint, hostAlias: org.peer.hostAlias, tlsCaPem: readFileSync(org.peer.tlsCaFile, 'utf8') }, identity);
  try {
    ctx.progress.step('bench', `InitVersion of DAO bench on ${DAO.channel}`);
    // Both organisations accept: the chaincode verifies their signatures against their registered CAs.
    const call = DAO_CATALOGUE.invocation(DAO_CATALOGUE.tx.InitVersion, agreement, acceptancesOf(agreement, identities));
    // The dao chaincode is private: its arguments go in transient data with a salt (@datawell/fabric).
    await submitTransaction(conn.gateway.getNetwork(DAO.channel), DAO.name, call.transaction, call.arguments, { private: true });
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
  await registerParticipants(ctx, [{ mspId: 'BenchDspMSP', role: 'DSP' }, { mspId: 'BenchVspMSP', role: 'VSP' }]);
  const versions = { [DAO.name]: await deploy(ctx, DAO), [PUTSTATE.name]: await deploy(ctx, PUTSTATE) };
  const identities: EnrolledIdentity[] = [];
  for (const msp of BENCH_ORGS) identities.push(await enrollClientIdentity(ctx, msp, CLIENT_ID));
  await initDao(ctx, identities);
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
