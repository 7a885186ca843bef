import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createKeyAndCsr, login, signWithIdentity, type EnrolledIdentity } from '../identity/client';

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

/** The participants' first identity ("admin" is the CA's own bootstrap identity, reserved). */
const ENROLLMENT_ID = 'owner';

export const LIFECYCLE_TERMS = { heartbeatIntervalSeconds: 3, abandonAfterSeconds: 30 } as const;

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(url: string, init: { method?: string; token?: string; body?: unknown } = {}): Promise<T> {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    signal: AbortSignal.timeout(120_000),
  });
  const text = await response.text();
  const json = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  if (!response.ok) throw new ApiError(response.status, String(json['code'] ?? response.status), `${init.method ?? 'GET'} ${url}: ${response.status} ${String(json['code'])} ${String(json['message'])}`);
  return json as T;
}

/** Polls `probe` until it returns a value; `what` names the wait in the timeout error. */
async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, everyMs = 1000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      // Refusals do not go away by waiting: fail now with the service's reason.
      if (error instanceof ApiError && [400, 401, 403, 413].includes(error.status)) throw error;
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${last instanceof Error ? last.message : String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

interface Party {
  readonly mspId: string;
  readonly role: 'DSP' | 'VSP';
  readonly identity: EnrolledIdentity;
  readonly tokens: Map<string, string>;
}

/**
 * A participant's onboarding through the marketplace: registration with a certificate request made
 * here, then the enrolled certificate read back. The identity is kept in `identitiesDir`, so a second
 * run logs in with it instead of registering again.
 */
async function onboard(opts: LifecycleOptions, mspId: string, role: 'DSP' | 'VSP', timeoutMs: number): Promise<Party> {
  const file = join(opts.identitiesDir, `${mspId}.json`);
  if (existsSync(file)) {
    opts.progress(`${mspId}: using its enrolled identity from ${file}`);
    return { mspId, role, identity: JSON.parse(readFileSync(file, 'utf8')) as EnrolledIdentity, tokens: new Map() };
  }
  opts.progress(`${mspId}: registering as a ${role} (the operator creates its CA, MSP and peer)`);
  const { privateKeyPem, csrPem } = await createKeyAndCsr(ENROLLMENT_ID);
  const base = opts.urls.marketplace;
  try {
    await call(`${base}/participants`, { method: 'POST', body: { mspId, role, name: `Demo ${role} ${mspId}`, identity: { enrollmentId: ENROLLMENT_ID, csrPem } } });
  } catch (error) {
    if (error instanceof ApiError && error.status === 409) {
      throw new Error(`${mspId} is registered but its identity is not in ${opts.identitiesDir}; use another --org-prefix or ./dev stack reset`);
    }
    throw error;
  }
  const enrolled = await until(
    `the enrollment of ${mspId}'s ${ENROLLMENT_ID}`,
    async () => {
      const view = await call<{ status: string; certificatePem: string | null; failure?: { code: string; message: string } }>(`${base}/participants/${mspId}/identities/${ENROLLMENT_ID}`);
      if (view.status === 'failed') throw new Error(`enrollment failed: ${view.failure?.code} ${view.failure?.message}`);
      return view.status === 'enrolled' && view.certificatePem ? view.certificatePem : undefined;
    },
    timeoutMs,
    2000,
  );
  const identity: EnrolledIdentity = { mspId, enrollmentId: ENROLLMENT_ID, certificatePem: enrolled, privateKeyPem };
  mkdirSync(opts.identitiesDir, { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify(identity), { mode: 0o600 });
  return { mspId, role, identity, tokens: new Map() };
}

/** A bearer token of `party` at the service at `base` (its identity directory may still be catching up). */
async function tokenAt(party: Party, base: string, timeoutMs: number): Promise<string> {
  const cached = party.tokens.get(base);
  if (cached) return cached;
  const token = await until(`${party.mspId} to log in at ${base}`, () => login(base, party.identity), timeoutMs, 1000);
  party.tokens.set(base, token);
  return token;
}

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
  const dataOffer = await call<{ offerId: string }>(`${urls.marketplace}/offers`, {
    method: 'POST',
    token: await as(dsp, 'marketplace'),
    body: { kind: 'data', title: 'Air quality readings from 400 street sensors', description: 'PM2.5, PM10, NO2 and temperature every minute from sensors across the city, streamed from the sensors.', tags: ['iot', 'air-quality'], schema: { pm25: 'integer µg/m³ ×10', no2: 'integer ppb', temperature: 'integer °C ×10' }, updateFrequency: '1 minute', source: { type: 'iot-stream', topic } },
  });
  for (const [vsp, service] of [[vsp1, 'Pollution forecasting'], [vsp2, 'Anomaly detection']] as const) {
    await call(`${urls.marketplace}/offers`, {
      method: 'POST',
      token: await as(vsp, 'marketplace'),
      body: { kind: 'value', title: `${service} on sensor streams`, description: `${service} computed on secret shares of the readings.`, tags: ['analytics'], service, computations: ['mean', 'regression'], infrastructure: { cpu: 1, memoryMb: 256 } },
    });
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

  const negotiate = async (label: string, opener: Party, session: unknown, proposals: Array<{ by: Party; body: unknown }>, acceptors: Party[]) => {
    progress(`${label}: ${opener.mspId} opens a negotiation session`);
    const created = await call<{ id: string }>(`${urls.negotiation}/sessions`, { method: 'POST', token: await as(opener, 'negotiation'), body: session });
    for (const p of proposals) {
      progress(`${label}: ${p.by.mspId} proposes β = ${(p.body as { betaPpm: number }).betaPpm / 1e6}`);
      await call(`${urls.negotiation}/sessions/${created.id}/proposals`, { method: 'POST', token: await as(p.by, 'negotiation'), body: p.body });
    }
    for (const party of acceptors) {
      const toSign = await call<{ revision: number; canonical: string }>(`${urls.negotiation}/sessions/${created.id}/agreement`, { token: await as(party, 'negotiation') });
      progress(`${label}: ${party.mspId} signs revision ${toSign.revision}`);
      await call(`${urls.negotiation}/sessions/${created.id}/acceptances`, {
        method: 'POST',
        token: await as(party, 'negotiation'),
        body: { revision: toSign.revision, certificatePem: party.identity.certificatePem, signature: signWithIdentity(party.identity.privateKeyPem, toSign.canonical) },
      });
    }
    progress(`${label}: agreed; waiting for the ledger bridge to form the version`);
    await until(`${label}: the DAO version on the ledger`, async () => {
      const view = await call<{ status: string; failure: { code: string; message: string } | null }>(`${urls.negotiation}/sessions/${created.id}`, { token: await as(opener, 'negotiation') });
      if (view.status === 'failed') throw new Error(`${label} failed: ${view.failure?.code} ${view.failure?.message}`);
      return view.status === 'formed' ? true : undefined;
    }, timeout);
  };

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
  const ledgerVersion = (version: number) => call<{ infrastructureStatus: string; memberStates: Array<{ mspId: string; status: string; lastHeartbeatMs?: number }> }>(`${urls['ledger-bridge']}/admin/daos/${daoId}/versions/${version}/state?as=${dsp.mspId}`);
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
  await call(`${urls.marketplace}/daos/${daoId}/revenue`, { method: 'POST', token: await as(dsp, 'marketplace'), body: { amount: opts.revenue.toString(), kind: 'use' } });
  const entitlements = await until('the revenue split down to CH_1', async () => {
    const e = await call<{ total: string; members: Array<{ mspId: string; amount: string }> }>(`${urls.marketplace}/daos/${daoId}/entitlements`, { token: await as(dsp, 'marketplace') });
    return e.total === opts.revenue.toString() ? e : undefined;
  }, timeout);

  const dao = await call<{ versions: Array<{ version: number; channel: string; members: Array<{ mspId: string }> }> }>(`${urls.marketplace}/daos/${daoId}`, { token: await as(dsp, 'marketplace') });
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
