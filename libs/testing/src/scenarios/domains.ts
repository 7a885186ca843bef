import { randomBytes } from 'node:crypto';
import type { EnrolledIdentity } from '../identity/client';
import { ApiError, call, FinalError, negotiateAgreement, tokenAt, until, type Party } from './api';

/** A participant that runs its own trust domain: its own CA issued `identity`; its own bridge answers at `bridgeUrl`. */
export interface DomainMember {
  readonly mspId: string;
  readonly role: 'DSP' | 'VSP';
  /** A person's identity enrolled at the organisation's own CA, in its domain (never through the operator). */
  readonly identity: EnrolledIdentity;
  /** The member-mode ledger bridge of the domain. */
  readonly bridgeUrl: string;
}

export interface DomainFormationOptions {
  /** The operator's services. */
  readonly urls: { readonly marketplace: string; readonly negotiation: string };
  /** The DSP first. */
  readonly members: readonly DomainMember[];
  readonly betaPpm?: number;
  readonly progress: (message: string) => void;
  readonly timeoutMs?: number;
  readonly daoId?: string;
  /** Revenue the DSP records through its own bridge once the version is formed (minor units). */
  readonly revenue?: bigint;
}

export interface DomainFormationResult {
  readonly daoId: string;
  readonly channel: string;
  /** The version as each member read it from its own bridge (its own peer, its own identity). */
  readonly readBy: Record<string, { members: string[]; status: string }>;
  /** Each member's entitlement (minor units) as it reads it through its own bridge, after the revenue. */
  readonly payouts: Record<string, string>;
  /** RecordRevenue's transaction, signed by the DSP in its domain. */
  readonly revenueTxId?: string;
  /** What the first member's bridge answered another member's identity: its own bridge only. */
  readonly otherMemberAtBridge: { status: number; code: string };
}

/**
 * A DAO formed by participants in their own trust domains, through the running services: each
 * registers at the marketplace without an identity (its own CA issues them), the operator's bridge
 * admits it from its MSP package; the parties negotiate and sign with identities of their own CAs;
 * the operator's bridge forms the channel from their packages; each member's own bridge joins its
 * peer and approves, the DSP's commits and initialises the version; each member then reads the
 * version through its own bridge; with `revenue`, the DSP records it through its own bridge and each
 * member reads its entitlement there. The operator's services hold no key of theirs and read nothing of it.
 */
export async function runDomainFormation(opts: DomainFormationOptions): Promise<DomainFormationResult> {
  const timeout = opts.timeoutMs ?? 600_000;
  const { urls, progress } = opts;
  const [dspMember, ...vspMembers] = opts.members;
  if (!dspMember || dspMember.role !== 'DSP' || vspMembers.length === 0 || vspMembers.some((m) => m.role !== 'VSP')) {
    throw new Error('a domain formation needs a DSP first and at least one VSP');
  }
  for (const m of opts.members) await register(opts, m, timeout);
  const parties: Party[] = opts.members.map((m) => ({ mspId: m.mspId, role: m.role, identity: m.identity, tokens: new Map() }));
  const [dsp] = parties as [Party, ...Party[]];
  const daoId = opts.daoId ?? `dm${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const as = async (party: Party, service: 'negotiation') => tokenAt(party, urls[service], timeout);
  const proposal = {
    betaPpm: opts.betaPpm ?? 800_000,
    members: parties.map((p) => ({ mspId: p.mspId })),
    terms: { durationDays: 365, businessModel: 'pay-per-use', heartbeatIntervalSeconds: 30, abandonAfterSeconds: 600, exitNoticeSeconds: 0, computations: [{ name: 'mean', resultRecipients: parties.slice(1).map((p) => p.mspId) }] },
    // Each member hosts its own part (the member-mode provisioner is still to come).
    infrastructure: { workloads: parties.map((p) => ({ name: `${p.mspId.toLowerCase()}-node`, owner: p.mspId, placement: 'self-hosted', kind: p.role === 'DSP' ? 'mpc-node' : 'service' })) },
  };
  await negotiateAgreement({ urls, progress, timeoutMs: timeout, as }, 'formation in domains', dsp, { kind: 'formation', daoId, parties: parties.slice(1).map((p) => p.mspId) }, [{ by: dsp, body: proposal }], parties);

  const channel = `dao-${daoId}-v1`;
  const readBy: Record<string, { members: string[]; status: string }> = {};
  for (const [i, m] of opts.members.entries()) {
    const party = parties[i] as Party;
    progress(`${m.mspId} reads version 1 through its own bridge ${m.bridgeUrl}`);
    const token = await tokenAt(party, m.bridgeUrl, timeout);
    const state = await until(
      `version 1 of ${daoId} at ${m.mspId}'s own bridge`,
      async () => {
        try {
          return await call<{ status: string; memberStates?: Array<{ mspId: string }>; members?: Array<{ mspId: string }> }>(`${m.bridgeUrl}/daos/${daoId}/versions/1/state`, { token });
        } catch (error) {
          // Not yet: its peer has not joined, or the DSP has not initialised the version.
          if (error instanceof ApiError && error.code === 'VERSION_NOT_FOUND') return undefined;
          throw error;
        }
      },
      timeout,
      2000,
    );
    readBy[m.mspId] = { status: state.status, members: (state.memberStates ?? state.members ?? []).map((s) => s.mspId) };
  }
  let revenueTxId: string | undefined;
  if (opts.revenue !== undefined) {
    progress(`${dspMember.mspId} records revenue ${opts.revenue} through its own bridge (RecordRevenue signed in its domain)`);
    const recorded = await call<{ txId: string }>(`${dspMember.bridgeUrl}/daos/${daoId}/revenue`, { method: 'POST', token: await tokenAt(dsp, dspMember.bridgeUrl, timeout), body: { amount: opts.revenue.toString(), kind: 'use', revenueId: `rev-${daoId}` } });
    revenueTxId = recorded.txId;
  }
  const payouts: Record<string, string> = {};
  for (const [i, m] of opts.members.entries()) {
    const token = await tokenAt(parties[i] as Party, m.bridgeUrl, timeout);
    const own = await until(
      `${m.mspId}'s entitlement at its own bridge`,
      async () => {
        const all = await call<Array<{ mspId: string; amount: string }>>(`${m.bridgeUrl}/daos/${daoId}/versions/1/entitlements`, { token });
        const total = all.reduce((sum, e) => sum + BigInt(e.amount), 0n);
        return opts.revenue === undefined || total === opts.revenue ? all.find((e) => e.mspId === m.mspId) : undefined;
      },
      timeout,
      1000,
    );
    payouts[m.mspId] = own?.amount ?? '0';
  }
  const other = parties[1] as Party;
  const otherMemberAtBridge = await call(`${dspMember.bridgeUrl}/daos/${daoId}/versions/1/state`, { token: await tokenAt(other, dspMember.bridgeUrl, timeout) }).then(
    () => ({ status: 200, code: 'OK' }),
    (e: unknown) => (e instanceof ApiError ? { status: e.status, code: e.code } : { status: 0, code: String(e) }),
  );
  return { daoId, channel, readBy, payouts, ...(revenueTxId ? { revenueTxId } : {}), otherMemberAtBridge };
}

/** Registration without an identity (the organisation's own CA issues them), then the ledger's word that it is active. */
async function register(opts: DomainFormationOptions, m: DomainMember, timeoutMs: number): Promise<void> {
  const base = opts.urls.marketplace;
  try {
    await call(`${base}/participants`, { method: 'POST', body: { mspId: m.mspId, role: m.role, name: `Domain ${m.role} ${m.mspId}` } });
    opts.progress(`${m.mspId}: registered with its own CA; the operator admits it from its MSP package`);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 409)) throw error;
    opts.progress(`${m.mspId}: registered before`);
  }
  await until(
    `${m.mspId} active on the ledger`,
    async () => {
      const view = await call<{ status: string; failure?: { code: string; message: string } }>(`${base}/participants/${m.mspId}`);
      if (view.status === 'failed') throw new FinalError(`${m.mspId}'s registration failed: ${view.failure?.code} ${view.failure?.message}`);
      return view.status === 'active' ? true : undefined;
    },
    timeoutMs,
    2000,
  );
}
