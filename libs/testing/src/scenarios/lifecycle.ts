import { randomBytes } from 'node:crypto';
import { call, negotiateAgreement, onboard, tokenAt, until, type Party } from './api';
import { followCommand } from './commands';

/** Where each service answers (the CLI passes the running services' URLs). */
export interface LifecycleUrls {
  readonly marketplace: string;
  readonly negotiation: string;
  readonly 'ledger-bridge': string;
  readonly provisioner: string;
  readonly telemetry: string;
}

export interface LifecycleOptions {
  readonly urls: LifecycleUrls;
  /** Where the participants keep their enrolled identities (keys never leave this folder). */
  readonly identitiesDir: string;
  readonly revenue: bigint;
  readonly progress: (message: string) => void;
  /** MSP ids are `<prefix>DspMSP`, `<prefix>Vsp1MSP`, `<prefix>Vsp2MSP`; onboarding is reused across runs. */
  readonly orgPrefix?: string;
  readonly timeoutMs?: number;
  /** Called between stages (tests restart services there); the scenario waits for it. */
  readonly between?: (stage: LifecycleStage, dao: { daoId: string; dsp: string }) => Promise<void>;
}

export type LifecycleStage = 'onboarded' | 'formed' | 'joined' | 'provisioned' | 'abandoned';

export interface LifecycleResult {
  readonly daoId: string;
  readonly versions: Array<{ version: number; channel: string; members: string[] }>;
  readonly workloads: Array<{ id: string; member: string; status: string }>;
  readonly abandoned: string[];
  readonly payouts: Record<string, number | string>;
  readonly tofuStates: number;
}

/**
 * Abandon-after is a minute: the scenario restarts every service, and a CI rehearsal at load 60 took
 * over two minutes to restart telemetry. Back, telemetry once found every member silent (their
 * heartbeats still queued on Kafka) and the chaincode abandoned the DSP; it now reads that backlog
 * before it asks about anyone (docs/telemetry.md), and a minute keeps the scenario's wait short.
 */
export const LIFECYCLE_TERMS = { heartbeatIntervalSeconds: 3, abandonAfterSeconds: 60 } as const;

/**
 * The whole life cycle through the services' public APIs: onboarding, offers, a negotiated
 * formation and a join, provisioning, recorded heartbeats, one VSP's workload killed and that VSP
 * found abandoned by the chaincode, its resources destroyed, and revenue split without it.
 */
export async function runLifecycle(opts: LifecycleOptions): Promise<LifecycleResult> {
  const timeout = opts.timeoutMs ?? 240_000;
  const prefix = opts.orgPrefix ?? 'Lc';
  const { urls, progress } = opts;
  const dsp = await onboard(opts, `${prefix}DspMSP`, 'DSP', timeout);
  const vsp1 = await onboard(opts, `${prefix}Vsp1MSP`, 'VSP', timeout);
  const vsp2 = await onboard(opts, `${prefix}Vsp2MSP`, 'VSP', timeout);
  const as = async (party: Party, service: keyof LifecycleUrls) => tokenAt(party, urls[service], timeout);
  const daoId = `lc${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const stage = async (name: LifecycleStage) => {
    if (!opts.between) return;
    await opts.between(name, { daoId, dsp: dsp.mspId });
    // A restarted service issues tokens with a new key: log in again.
    for (const p of [dsp, vsp1, vsp2]) p.tokens.clear();
  };
  await stage('onboarded');

  progress('posting offers: the DSP\'s IoT data, the VSPs\' services');
  const topic = `${dsp.mspId.toLowerCase()}.readings.v1`;
  // Each write answers its ledger command id: followed to committed (or the chaincode's refusal).
  const posted = async (party: Party, accepted: { offerId: string; commandId: string }) => {
    const outcome = await followCommand(urls.marketplace, accepted.commandId, await as(party, 'marketplace'), { what: `${party.mspId} posting offer ${accepted.offerId}`, timeoutMs: timeout, progress });
    progress(`offer ${accepted.offerId} of ${party.mspId} committed in transaction ${outcome.txId ?? '?'}`);
    return accepted;
  };
  const dataOffer = await posted(dsp, await call<{ offerId: string; commandId: string }>(`${urls.marketplace}/offers`, {
    method: 'POST',
    token: await as(dsp, 'marketplace'),
    body: { kind: 'data', title: 'Air quality readings from 400 street sensors', description: 'PM2.5, PM10, NO2 and temperature every minute from sensors across the city, streamed from the sensors.', tags: ['iot', 'air-quality'], schema: { pm25: 'integer µg/m³ ×10', no2: 'integer ppb', temperature: 'integer °C ×10' }, updateFrequency: '1 minute', source: { type: 'iot-stream', topic } },
  }));
  for (const [vsp, service] of [[vsp1, 'Pollution forecasting'], [vsp2, 'Anomaly detection']] as const) {
    await posted(vsp, await call<{ offerId: string; commandId: string }>(`${urls.marketplace}/offers`, {
      method: 'POST',
      token: await as(vsp, 'marketplace'),
      body: { kind: 'value', title: `${service} on sensor streams`, description: `${service} computed on secret shares of the readings.`, tags: ['analytics'], service, computations: ['mean', 'regression'], infrastructure: { cpu: 1, memoryMb: 256 } },
    }));
  }
  await until('the data offer in the marketplace search', async () => {
    const found = await call<{ items?: Array<{ offerId: string }>; offers?: Array<{ offerId: string }> }>(`${urls.marketplace}/offers?q=${encodeURIComponent('air quality')}`);
    return (found.items ?? found.offers ?? []).some((o) => o.offerId === dataOffer.offerId) ? true : undefined;
  }, timeout);

  const terms = (recipients: string[]) => ({
    durationDays: 365,
    businessModel: 'pay-per-use',
    heartbeatIntervalSeconds: LIFECYCLE_TERMS.heartbeatIntervalSeconds,
    abandonAfterSeconds: LIFECYCLE_TERMS.abandonAfterSeconds,
    exitNoticeSeconds: 0,
    computations: [{ name: 'mean', resultRecipients: recipients }],
  });

  const negotiate = (label: string, opener: Party, session: unknown, proposals: Array<{ by: Party; body: unknown }>, acceptors: Party[]) =>
    negotiateAgreement({ urls, progress, timeoutMs: timeout, as }, label, opener, session, proposals, acceptors);

  const v1Proposal = (betaPpm: number) => ({
    betaPpm,
    members: [{ mspId: dsp.mspId }, { mspId: vsp1.mspId }],
    terms: terms([vsp1.mspId]),
    infrastructure: { workloads: [{ name: 'dsp-mpc-node', owner: dsp.mspId, placement: 'cloud', kind: 'mpc-node' }, { name: 'vsp1-forecaster', owner: vsp1.mspId, placement: 'cloud', kind: 'service' }] },
  });
  await negotiate('formation', dsp, { kind: 'formation', daoId, parties: [dsp.mspId, vsp1.mspId] }, [{ by: dsp, body: v1Proposal(850_000) }, { by: vsp1, body: v1Proposal(800_000) }], [dsp, vsp1]);
  await stage('formed');
  await negotiate(
    'join',
    vsp2,
    { kind: 'join', daoId, joiners: [vsp2.mspId] },
    [{ by: vsp2, body: { betaPpm: 750_000, members: [{ mspId: dsp.mspId }, { mspId: vsp1.mspId }, { mspId: vsp2.mspId }], terms: terms([vsp1.mspId, vsp2.mspId]), infrastructure: { workloads: [{ name: 'vsp2-detector', owner: vsp2.mspId, placement: 'cloud', kind: 'service' }] } } }],
    [vsp2, vsp1, dsp],
  );

  await stage('joined');
  type Infra = { status: string; workloads: Array<{ workloadId: string; owner: string; status: string; supervisorPid: number | null }> };
  const infrastructure = async (version: number) => call<Infra>(`${urls.provisioner}/daos/${daoId}/versions/${version}/infrastructure`, { token: await as(dsp, 'provisioner') });
  // Read by the DSP, a member of every version: the bridge reads the version as its caller.
  const ledgerVersion = async (version: number) => call<{ infrastructureStatus: string; memberStates: Array<{ mspId: string; status: string; lastHeartbeatMs?: number }> }>(`${urls['ledger-bridge']}/admin/daos/${daoId}/versions/${version}/state`, { token: await as(dsp, 'ledger-bridge') });
  for (const version of [1, 2]) {
    progress(`provisioning version ${version}: OpenTofu apply, workloads started, recorded on the ledger`);
    await until(`version ${version}'s workloads running`, async () => {
      const infra = await infrastructure(version);
      return infra.workloads.length > 0 && infra.workloads.every((w) => w.status === 'running') ? infra : undefined;
    }, timeout);
    await until(`InfrastructureProvisioned on dao-${daoId}-v${version}`, async () => ((await ledgerVersion(version)).infrastructureStatus === 'provisioned' ? true : undefined), timeout);
  }

  progress('waiting for heartbeats recorded on the ledger for every workload owner');
  await until('recorded heartbeats', async () => {
    const v1 = await ledgerVersion(1);
    const v2 = await ledgerVersion(2);
    const owners = [[v1, [dsp.mspId, vsp1.mspId]], [v2, [vsp2.mspId]]] as const;
    return owners.every(([v, msps]) => msps.every((m) => (v.memberStates.find((s) => s.mspId === m)?.lastHeartbeatMs ?? 0) > 0)) ? true : undefined;
  }, timeout);

  await stage('provisioned');
  const victim = (await infrastructure(1)).workloads.find((w) => w.owner === vsp1.mspId);
  if (!victim?.supervisorPid) throw new Error(`${vsp1.mspId}'s workload has no running process to stop`);
  progress(`killing ${vsp1.mspId}'s workload ${victim.workloadId} (pid ${victim.supervisorPid}); abandon-after is ${LIFECYCLE_TERMS.abandonAfterSeconds} s`);
  process.kill(victim.supervisorPid, 'SIGKILL');
  await until(`the chaincode to find ${vsp1.mspId} abandoned`, async () => {
    const member = (await ledgerVersion(1)).memberStates.find((s) => s.mspId === vsp1.mspId);
    return member?.status === 'abandoned' ? true : undefined;
  }, timeout + LIFECYCLE_TERMS.abandonAfterSeconds * 1000, 2000);
  progress(`${vsp1.mspId} abandoned; waiting for its resources to be destroyed`);
  await until(`${victim.workloadId} destroyed`, async () => ((await infrastructure(1)).workloads.find((w) => w.workloadId === victim.workloadId)?.status === 'destroyed' ? true : undefined), timeout);

  await stage('abandoned');
  progress(`recording revenue ${opts.revenue} on the top channel`);
  const revenue = await call<{ commandId: string }>(`${urls.marketplace}/daos/${daoId}/revenue`, { method: 'POST', token: await as(dsp, 'marketplace'), body: { amount: opts.revenue.toString(), kind: 'use' } });
  const recorded = await followCommand(urls.marketplace, revenue.commandId, await as(dsp, 'marketplace'), { what: 'recording revenue', timeoutMs: timeout, progress });
  progress(`revenue committed in transaction ${recorded.txId ?? '?'} (block ${recorded.blockNumber ?? '?'})`);
  const entitlements = await until('the revenue split down to CH_1', async () => {
    const e = await call<{ total: string; members: Array<{ mspId: string; amount: string }> }>(`${urls.marketplace}/daos/${daoId}/entitlements`, { token: await as(dsp, 'marketplace') });
    return e.total === opts.revenue.toString() ? e : undefined;
  }, timeout);

  const dao = await call<{ versions: Array<{ version: number; channel: string; members: Array<{ mspId: string }> }> }>(`${urls.marketplace}/daos/${daoId}/state`, { token: await as(dsp, 'marketplace') });
  const workloads = [];
  for (const version of [1, 2]) for (const w of (await infrastructure(version)).workloads) workloads.push({ id: w.workloadId, member: w.owner, status: w.status });
  const abandoned = [];
  for (const version of [1, 2]) for (const m of (await ledgerVersion(version)).memberStates) if (m.status === 'abandoned') abandoned.push(m.mspId);
  const amount = (msp: string) => entitlements.members.find((m) => m.mspId === msp)?.amount ?? '0';
  const json = (a: string): number | string => (BigInt(a) > BigInt(Number.MAX_SAFE_INTEGER) ? a : Number(a));
  const tofu = await call<{ count: number }>(`${urls.provisioner}/tofu/states`, { token: await as(dsp, 'provisioner') });
  return {
    daoId,
    versions: dao.versions.map((v) => ({ version: v.version, channel: v.channel, members: v.members.map((m) => m.mspId) })),
    workloads,
    abandoned: [...new Set(abandoned)],
    payouts: Object.fromEntries([dsp, vsp1, vsp2].map((p) => [p.mspId, json(amount(p.mspId))])),
    tofuStates: tofu.count,
  };
}
