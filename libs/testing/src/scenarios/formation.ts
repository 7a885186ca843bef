import { randomBytes } from 'node:crypto';
import { DAO, ledgerCommandCloudEvent, ledgerCommandId, OPERATOR_MSP, TOPICS } from '@datawell/contracts';
import { connectionKafka, type StackConnection, type StackContext } from '@datawell/stack';
import { apiClient, stackAdminIdentity, type ApiClient } from '../identity/api-client';
import { signedAgreementFor, type DaoPlan, type SignedAgreement } from './agreement';

/** The operator's network administration, as the ledger bridge offers it (over HTTP, or in-process in tests). */
export interface AdminApi {
  onboard(participant: { mspId: string; role: string; name: string }): Promise<unknown>;
  /** The agreement with its members' signatures: the dao chaincode verifies them. */
  createVersion(signed: SignedAgreement): Promise<unknown>;
  /** Read by `memberMspId`, a member of the version. */
  entitlements(daoId: string, version: number, memberMspId: string): Promise<{ mspId: string; amount: string }[]>;
  /** Read by `memberMspId`, a member of the channel. */
  members(channel: string, memberMspId: string): Promise<string[]>;
}

export interface FormationOptions {
  readonly vsps: number;
  readonly revenue: bigint;
  readonly betasPpm: readonly number[];
  readonly admin: AdminApi;
  readonly connection: StackConnection;
  /** Where ledger commands go (the bridge's commands topic). */
  readonly commandsTopic?: string;
  readonly progress: (message: string) => void;
  readonly timeoutMs?: number;
}

export interface FormationResult {
  readonly daoId: string;
  readonly channels: { readonly name: string; readonly members: readonly string[] }[];
  readonly payouts: Record<string, number | string>;
  readonly plan: DaoPlan;
}

/** Organisations reused across runs (onboarding is idempotent); every run forms a new DAO. */
export function scenarioOrgs(vsps: number): { dsp: string; vsps: string[] } {
  return { dsp: 'ScenDspMSP', vsps: Array.from({ length: vsps }, (_, i) => `ScenVsp${i + 1}MSP`) };
}

/**
 * The ledger bridge's admin endpoints over HTTP: administration as the operator's administrator,
 * a version's entitlements and a channel's members as the member named (its stack-held admin).
 */
export function httpAdminApi(bridgeUrl: string, ctx: StackContext): AdminApi {
  const clients = new Map<string, ApiClient>();
  const as = (mspId: string) => {
    let client = clients.get(mspId);
    if (!client) clients.set(mspId, (client = apiClient(bridgeUrl, () => stackAdminIdentity(ctx, mspId))));
    return client;
  };
  const operator = as(OPERATOR_MSP);
  return {
    onboard: (participant) => operator.call('/admin/participants', { method: 'POST', body: participant }),
    createVersion: (signed) => operator.call('/admin/dao-versions', { method: 'POST', body: signed }),
    entitlements: (daoId, version, member) => as(member).call(`/admin/daos/${daoId}/versions/${version}/entitlements`),
    members: async (channel, member) => (await as(member).call<{ members: string[] }>(`/admin/channels/${channel}/members`)).members,
  };
}

const json = (amount: string): number | string => (BigInt(amount) > BigInt(Number.MAX_SAFE_INTEGER) ? amount : Number(amount));

/**
 * The ledger half of the life cycle, through the ledger bridge: onboard a DSP and n VSPs, form the
 * DAO with VSP_1 and admit each further VSP as a new version (a channel per version with exactly
 * D ∪ J_1 … J_i), record revenue on the top channel as a ledger command, and wait until the bridge
 * has relayed the allocations down to CH_1. Payouts are read from each channel's entitlements.
 */
export async function runFormation(opts: FormationOptions): Promise<FormationResult> {
  const orgs = scenarioOrgs(opts.vsps);
  const plan: DaoPlan = { daoId: `f${Date.now().toString(36)}${randomBytes(2).toString('hex')}`, dsp: orgs.dsp, vsps: orgs.vsps, betasPpm: opts.betasPpm };
  for (const [mspId, role] of [[orgs.dsp, 'DSP'], ...orgs.vsps.map((v) => [v, 'VSP'])] as [string, string][]) {
    opts.progress(`onboarding ${mspId} (${role})`);
    await opts.admin.onboard({ mspId, role, name: `Scenario ${role} ${mspId}` });
  }
  for (let i = 1; i <= opts.vsps; i++) {
    opts.progress(`${i === 1 ? 'forming' : 'growing'} DAO ${plan.daoId}: version ${i} (β_${i} = ${opts.betasPpm[i - 1]! / 1e6})`);
    await opts.admin.createVersion(await signedAgreementFor(plan, i));
  }
  const top = `dao-${plan.daoId}-v${opts.vsps}`;
  opts.progress(`recording revenue ${opts.revenue} on ${top}`);
  await recordRevenue(opts.connection, opts.commandsTopic ?? TOPICS.ledgerCommands, top, plan.dsp, opts.revenue);

  const entitlements = async (version: number): Promise<Record<string, string>> => {
    const list = await opts.admin.entitlements(plan.daoId, version, plan.dsp);
    return Object.fromEntries(list.map((e) => [e.mspId, e.amount]));
  };
  opts.progress('waiting for the allocations to reach CH_1');
  const deadline = Date.now() + (opts.timeoutMs ?? 180000);
  while ((await entitlements(1))[plan.dsp] === '0') {
    if (Date.now() > deadline) throw new Error(`the allocation did not reach dao-${plan.daoId}-v1 in time (is the ledger bridge relaying?)`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const payouts: Record<string, number | string> = {};
  const ch1 = await entitlements(1);
  payouts[plan.dsp] = json(ch1[plan.dsp]!);
  for (let i = 1; i <= opts.vsps; i++) {
    const level = i === 1 ? ch1 : await entitlements(i);
    payouts[orgs.vsps[i - 1]!] = json(level[orgs.vsps[i - 1]!]!);
  }
  const channels = [];
  for (let i = 1; i <= opts.vsps; i++) {
    const name = `dao-${plan.daoId}-v${i}`;
    channels.push({ name, members: await opts.admin.members(name, plan.dsp) });
  }
  return { daoId: plan.daoId, channels, payouts, plan };
}

/** Revenue is recorded the way services do it: a ledger command on Kafka, submitted by the bridge as the DSP. */
async function recordRevenue(connection: StackConnection, topic: string, channel: string, dsp: string, amount: bigint): Promise<void> {
  const kafka = connectionKafka(connection, 'datawell-scenario');
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const revenueId = `rev-${randomBytes(6).toString('hex')}`;
    const command = ledgerCommandCloudEvent(
      DAO.command(DAO.tx.RecordRevenue, { commandId: ledgerCommandId('scenario', channel, revenueId), channel, actingMspId: dsp }, { revenueId, amount: amount.toString(), kind: 'use' }),
      'datawell/cli/scenario',
    );
    await producer.send({ topic, messages: [{ key: channel, value: JSON.stringify(command) }] });
  } finally {
    await producer.disconnect();
  }
}
