import { randomBytes } from 'node:crypto';
import { call, FormationClock, perVersionSeconds, tokenAt, until, type Party, type ScenarioTimings } from './api';
import { readPayouts, registerDomainParticipant, runDomainFormation, type DomainFormationOptions, type DomainFormationResult, type DomainMember } from './domains';

/**
 * The life cycle's participants, each in its own trust domain: a person of the organisation enrolled
 * at its own CA, its own bridge, and its own provisioner (which builds its workloads in its domain).
 */
export interface LifecycleMember extends DomainMember {
  readonly provisionerUrl: string;
}

export interface LifecycleOptions {
  /** The operator's services: the marketplace (search, registration) and negotiation. */
  readonly urls: { readonly marketplace: string; readonly negotiation: string };
  /** The DSP and the two VSPs: VSP_1 founds version 1 with the DSP, VSP_2 joins as version 2. */
  readonly members: { readonly dsp: LifecycleMember; readonly vsp1: LifecycleMember; readonly vsp2: LifecycleMember };
  readonly revenue: bigint;
  readonly progress: (message: string) => void;
  readonly timeoutMs?: number;
  /** Called between stages (tests restart services there); the scenario waits for it. */
  readonly between?: (stage: LifecycleStage, dao: { daoId: string; dsp: string }) => Promise<void>;
  /** Passed to the formation (runDomainFormation): every founder's node an MPC node, and a computation on the DSP's readings. */
  readonly mpc?: Pick<DomainFormationOptions, 'mpcMesh' | 'coordinatorTls' | 'compute'>;
}

export type LifecycleStage = 'onboarded' | 'formed' | 'joined' | 'provisioned' | 'abandoned';

export interface LifecycleResult {
  readonly daoId: string;
  readonly versions: Array<{ version: number; channel: string; members: string[] }>;
  /** The offers each member posted through its own bridge (PostOffer signed in its domain). */
  readonly offers: Array<{ offerId: string; owner: string; kind: 'data' | 'value'; txId: string }>;
  /** Every workload of the DAO as its owner's own provisioner reports it at the end. */
  readonly workloads: Array<{ id: string; member: string; version: number; status: string }>;
  readonly abandoned: string[];
  /** Each member's entitlement (minor units, summed over its versions) as it reads it through its own bridge. */
  readonly payouts: Record<string, string>;
  /** RecordRevenue of the revenue after the abandonment, signed by the DSP in its domain. */
  readonly revenueTxId: string;
  /** The formation and join as runDomainFormation reports them (each member's reads, infrastructure, mesh and computation with `mpc`). */
  readonly formation: DomainFormationResult;
  /** Each version's formation time, and version 1's agreement → a heartbeat of every member recorded on the ledger. */
  readonly timings: Required<ScenarioTimings>;
}

/**
 * Abandon-after is a minute (heartbeats every 30 s): long enough that a loaded machine's slow restart
 * of a service does not abandon a live member, short enough for the scenario's wait.
 */
export const LIFECYCLE_TERMS = { abandonAfterSeconds: 60 } as const;

type VersionState = { infrastructureStatus?: string; memberStates: Array<{ mspId: string; status: string; lastHeartbeatMs?: number }> };
type Infra = { status: string; workloads: Array<{ workloadId: string; owner: string; status: string; supervisorPid: number | null }> };

/**
 * The whole life cycle with every participant in its own trust domain, through the services' public
 * APIs: each member posts its offer through its own bridge and the marketplace finds the data offer;
 * a negotiated formation and a join, signed in the members' domains (runDomainFormation); each
 * member's own provisioner builds its workload in its domain and its own telemetry records the
 * heartbeats; VSP_1's workload is killed, the chaincode finds VSP_1 abandoned (asked by another
 * member's telemetry, through that member's bridge), VSP_1's own provisioner destroys its workload;
 * the DSP records revenue through its own bridge and each member reads its payout through its own.
 * The operator's services hold no key of theirs and sign none of these transactions.
 */
export async function runLifecycle(opts: LifecycleOptions): Promise<LifecycleResult> {
  const timeout = opts.timeoutMs ?? 600_000;
  const { urls, progress } = opts;
  const { dsp, vsp1, vsp2 } = opts.members;
  const all = [dsp, vsp1, vsp2];
  const party = new Map<string, Party>(all.map((m) => [m.mspId, { mspId: m.mspId, role: m.role, identity: m.identity, tokens: new Map() }]));
  const p = (m: DomainMember) => party.get(m.mspId) as Party;
  const at = (m: DomainMember, base: string) => tokenAt(p(m), base, timeout);
  const daoId = `lc${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const stage = async (name: LifecycleStage) => {
    if (!opts.between) return;
    await opts.between(name, { daoId, dsp: dsp.mspId });
    // A restarted service issues tokens with a new key: log in again.
    for (const x of party.values()) x.tokens.clear();
  };
  // Registered at the marketplace without an identity (its own CA issues them), admitted from its MSP
  // package, its peer on the marketplace channel: then it can post offers as itself.
  for (const m of all) await registerDomainParticipant(urls.marketplace, m, progress, timeout);
  await stage('onboarded');

  progress("posting offers through each member's own bridge: the DSP's IoT data, the VSPs' services");
  const offers: LifecycleResult['offers'] = [];
  const post = async (m: LifecycleMember, body: Record<string, unknown>) => {
    // Until its own bridge has joined its peer to the marketplace channel (the admission reaches it on its inbox), PostOffer cannot be endorsed there.
    const written = await until(
      `${m.mspId}'s offer through its own bridge`,
      async () => call<{ txId: string; offer: { offerId: string; owner: string; kind: 'data' | 'value' } }>(`${m.bridgeUrl}/offers`, { method: 'POST', token: await at(m, m.bridgeUrl), body }),
      timeout,
      3000,
    );
    progress(`offer ${written.offer.offerId} of ${m.mspId} committed in transaction ${written.txId}, signed in its domain`);
    offers.push({ offerId: written.offer.offerId, owner: written.offer.owner, kind: written.offer.kind, txId: written.txId });
    return written.offer;
  };
  const dataOffer = await post(dsp, {
    kind: 'data',
    title: 'Air quality readings from 400 street sensors',
    description: 'PM2.5, PM10, NO2 and temperature every minute from sensors across the city, sealed by the sensors to the owner\'s node.',
    tags: ['iot', 'air-quality'],
    schema: { pm25: 'integer µg/m³ ×10', no2: 'integer ppb', temperature: 'integer °C ×10' },
    updateFrequency: '1 minute',
    source: { type: 'iot-stream', topic: `${dsp.mspId.toLowerCase()}.readings.v1` },
  });
  for (const [m, service] of [[vsp1, 'Pollution forecasting'], [vsp2, 'Anomaly detection']] as const) {
    await post(m, { kind: 'value', title: `${service} on sensor streams`, description: `${service} computed on secret shares of the readings.`, tags: ['analytics'], service, computations: ['mean', 'regression'], infrastructure: { cpu: 1, memoryMb: 256 } });
  }
  await until('the data offer in the marketplace search', async () => {
    const found = await call<{ offers: Array<{ offerId: string }> }>(`${urls.marketplace}/offers?q=${encodeURIComponent('air quality')}`);
    return found.offers.some((o) => o.offerId === dataOffer.offerId) ? true : undefined;
  }, timeout);

  // Read by the DSP, a member of every version, through its own bridge.
  const version = async (v: number) => call<VersionState>(`${dsp.bridgeUrl}/daos/${daoId}/versions/${v}/state`, { token: await at(dsp, dsp.bridgeUrl) });
  // The workloads each version built: version 1 its founders', version 2 its joiner's (the founders'
  // nodes carry over).
  const builtBy = new Map<number, readonly DomainMember[]>([
    [1, [dsp, vsp1]],
    [2, [vsp2]],
  ]);
  const heartbeatsOn = async (v: number) => {
    const state = await version(v);
    return (builtBy.get(v) ?? []).every((m) => (state.memberStates.find((s) => s.mspId === m.mspId)?.lastHeartbeatMs ?? 0) > 0) ? true : undefined;
  };
  const heartbeatsRecorded = async () => ((await heartbeatsOn(1)) && (await heartbeatsOn(2)) ? true : undefined);
  // Each version's figure is watched from its agreement, beside the formation: by the time the
  // scenario waits for the heartbeats below (after every part of the infrastructure is reported) they
  // may all be recorded already.
  const clock = new FormationClock();
  const recordedAfter = new Map<number, number>();
  let watching = true;
  const watchHeartbeats = async (v: number) => {
    while (watching && !recordedAfter.has(v)) {
      // Not yet: the version not formed, no heartbeat recorded, or a service restarting; the wait below decides.
      if (await heartbeatsOn(v).catch(() => undefined)) recordedAfter.set(v, clock.sinceAgreed(v));
      else await new Promise((r) => setTimeout(r, 1000));
    }
  };
  const watched: Promise<void>[] = [];
  const hooks = clock.hooks((name) => stage(name));
  let formed: DomainFormationResult;
  let agreementToFirstHeartbeatMs: number[];
  try {
    formed = await runDomainFormation({
      urls,
      members: [dsp, vsp1],
      joiners: [vsp2],
      daoId,
      placement: 'managed',
      provisionerUrls: Object.fromEntries(all.map((m) => [m.mspId, m.provisionerUrl])),
      abandonAfterSeconds: LIFECYCLE_TERMS.abandonAfterSeconds,
      ...(opts.mpc ?? {}),
      progress,
      timeoutMs: timeout,
      onAgreed: (v) => {
        hooks.onAgreed(v);
        if (builtBy.has(v)) watched.push(watchHeartbeats(v));
      },
      onStage: hooks.onStage,
    });
    progress("waiting for heartbeats of every member's workload, recorded on the ledger by its own telemetry");
    await until('recorded heartbeats', heartbeatsRecorded, timeout);
    agreementToFirstHeartbeatMs = [...builtBy.keys()].map((v) => recordedAfter.get(v) ?? clock.sinceAgreed(v));
  } finally {
    watching = false;
    await Promise.all(watched);
  }
  const infrastructure = async (m: LifecycleMember, v: number) => call<Infra>(`${m.provisionerUrl}/daos/${daoId}/versions/${v}/infrastructure`, { token: await at(m, m.provisionerUrl) });
  progress(`a heartbeat of every workload recorded, after each version was agreed: ${perVersionSeconds(agreementToFirstHeartbeatMs)}`);

  await stage('provisioned');
  const victim = (await infrastructure(vsp1, 1)).workloads.find((w) => w.owner === vsp1.mspId && w.status === 'running');
  if (!victim?.supervisorPid) throw new Error(`${vsp1.mspId}'s workload has no running process to stop`);
  progress(`killing ${vsp1.mspId}'s workload ${victim.workloadId} (pid ${victim.supervisorPid}, in its domain); abandon-after is ${LIFECYCLE_TERMS.abandonAfterSeconds} s`);
  process.kill(victim.supervisorPid, 'SIGKILL');
  await until(`the chaincode to find ${vsp1.mspId} abandoned`, async () => ((await version(1)).memberStates.find((s) => s.mspId === vsp1.mspId)?.status === 'abandoned' ? true : undefined), timeout + LIFECYCLE_TERMS.abandonAfterSeconds * 1000, 2000);
  progress(`${vsp1.mspId} abandoned; waiting for its own provisioner to destroy its workload`);
  await until(`${victim.workloadId} destroyed`, async () => ((await infrastructure(vsp1, 1)).workloads.find((w) => w.workloadId === victim.workloadId)?.status === 'destroyed' ? true : undefined), timeout);

  await stage('abandoned');
  progress(`${dsp.mspId} records revenue ${opts.revenue} on version 2 through its own bridge`);
  const recorded = await call<{ txId: string }>(`${dsp.bridgeUrl}/daos/${daoId}/revenue`, { method: 'POST', token: await at(dsp, dsp.bridgeUrl), body: { amount: opts.revenue.toString(), kind: 'use', revenueId: `rev-${daoId}` } });
  progress(`revenue committed in transaction ${recorded.txId}`);
  const versions = [
    { version: 1, members: [dsp, vsp1] },
    { version: 2, members: all },
  ];
  // Metered computations were revenue too (at the terms' price, before the abandonment).
  const entitlementsBefore = formed.computation ? Object.values(formed.payouts).reduce((a, b) => a + BigInt(b), 0n) : 0n;
  const payouts = await readPayouts(daoId, versions, p, timeout, opts.revenue + entitlementsBefore);

  const workloads: LifecycleResult['workloads'] = [];
  for (const v of versions) {
    for (const m of v.members) {
      // A founder's node carried over to version 2 is listed there too: once, under the version that built it.
      for (const w of (await infrastructure(m, v.version)).workloads) if (w.owner === m.mspId && !workloads.some((x) => x.id === w.workloadId)) workloads.push({ id: w.workloadId, member: w.owner, version: v.version, status: w.status });
    }
  }
  const abandoned = new Set<string>();
  for (const v of [1, 2]) for (const m of (await version(v)).memberStates) if (m.status === 'abandoned') abandoned.add(m.mspId);
  return {
    daoId,
    versions: formed.versions,
    offers,
    workloads,
    abandoned: [...abandoned],
    payouts,
    revenueTxId: recorded.txId,
    formation: formed,
    timings: { formationMs: clock.formationMs(), agreementToFirstHeartbeatMs },
  };
}
