import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { MemoryLedger } from '@datawell/chaincode-common';
import { DaoContract } from './dao.contract';
import { heartbeatSigningBytes } from './heartbeat';

/** Test fixtures of a DAO `acme`: D = DspMSP; J1 = VspOneMSP; J2 = VspTwoAMSP, VspTwoBMSP (weights 2:1). */
export const DSP = 'DspMSP';
export const VSP1 = 'VspOneMSP';
export const VSP2A = 'VspTwoAMSP';
export const VSP2B = 'VspTwoBMSP';
export const OUTSIDER = 'OutsiderMSP';
export const DIGEST = 'ab'.repeat(32);

export const TERMS = {
  durationDays: 365,
  businessModel: 'pay-per-use',
  heartbeatIntervalSeconds: 60,
  abandonAfterSeconds: 600,
  exitNoticeSeconds: 3600,
  computations: [{ name: 'mean', resultRecipients: [DSP, VSP1] }],
};

export const INFRA = {
  workloads: [
    { name: 'mpc-dsp', owner: DSP, placement: 'managed', kind: 'mpc-node' },
    { name: 'analytics', owner: VSP1, placement: 'self-hosted', kind: 'service', parameters: { replicas: 2 } },
  ],
};

export function agreement(version: 1 | 2, overrides: Record<string, unknown> = {}) {
  const members =
    version === 1
      ? [
          { mspId: DSP, group: 'D', role: 'DSP', weight: 1, ownershipPpm: 700_000 },
          { mspId: VSP1, group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 300_000 },
        ]
      : [
          { mspId: DSP, group: 'D', role: 'DSP', weight: 1, ownershipPpm: 500_000 },
          { mspId: VSP1, group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 200_000 },
          { mspId: VSP2A, group: 'J2', role: 'VSP', weight: 2, ownershipPpm: 200_000 },
          { mspId: VSP2B, group: 'J2', role: 'VSP', weight: 1, ownershipPpm: 100_000 },
        ];
  return { agreementId: `agr-${version}`, daoId: 'acme', version, betaPpm: version === 1 ? 600_000 : 750_000, members, terms: TERMS, infrastructure: INFRA, documentDigest: DIGEST, ...overrides };
}

export const START_MS = Date.UTC(2026, 0, 1);

/** A ledger for channel dao-acme-v<version> with the version initialised by the DSP. */
export async function initialised(version: 1 | 2): Promise<{ ledger: MemoryLedger; dao: DaoContract }> {
  const ledger = new MemoryLedger(`dao-acme-v${version}`);
  ledger.timeMs = START_MS;
  const dao = new DaoContract();
  await ledger.submit(DSP, (ctx) => dao.InitVersion(ctx, JSON.stringify(agreement(version))));
  return { ledger, dao };
}

/** CH_2 and CH_1 of DAO acme, with CH_1's peers able to query CH_2's dao chaincode (as real peers can). */
export async function linkedPair() {
  const top = await initialised(2);
  const bottom = await initialised(1);
  bottom.ledger.link('dao', top.ledger, top.dao);
  /** Records revenue on CH_2 and returns the relay CH_1 should receive for it. */
  const revenueOnTop = async (revenueId: string, amount: bigint | string) => {
    const allocation = json(await top.ledger.submit(DSP, (ctx) => top.dao.RecordRevenue(ctx, JSON.stringify({ revenueId, amount: amount.toString(), kind: 'use' }))));
    return { allocation, relay: { sourceChannel: 'dao-acme-v2', sourceTxId: top.ledger.lastEvent()?.txId as string, amount: allocation['rest'] as string } };
  };
  return { top, bottom, revenueOnTop };
}

export function ecKeys(): { publicKeyPem: string; privateKey: KeyObject; sign: (data: Uint8Array) => Buffer } {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), privateKey, sign: (data) => sign('sha256', data, privateKey) };
}

export function edKeys(): { publicKeyPem: string; privateKey: KeyObject; sign: (data: Uint8Array) => Buffer } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return { publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), privateKey, sign: (data) => sign(null, data, privateKey) };
}

export function signedHeartbeat(keys: { sign: (data: Uint8Array) => Buffer }, workloadId: string, seq: number, timestamp: number, metrics: Record<string, unknown> = { cpuMillis: 250 }) {
  const unsigned = { workloadId, seq, timestamp, metrics };
  return { ...unsigned, signature: keys.sign(heartbeatSigningBytes(unsigned as never)).toString('base64') };
}

export const json = (text: string) => JSON.parse(text) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
