import 'reflect-metadata';
import { createPrivateKey, generateKeyPairSync, sign, webcrypto, type KeyObject } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { DAO_PRIVATE_COLLECTION } from '@datawell/contracts';
import { MemoryLedger } from '@datawell/chaincode-common';
import { agreementSigningBytes } from '@datawell/domain';
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

// ---------------------------------------------------------------- acceptances (InitVersion's consent)

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const pem = (label: string, der: ArrayBuffer) => `-----BEGIN ${label}-----\n${Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n')}\n-----END ${label}-----\n`;
/** Certificates valid around the ledgers' transaction times (START_MS and days after). */
const VALIDITY = { notBefore: new Date(Date.UTC(2025, 0, 1)), notAfter: new Date(Date.UTC(2030, 0, 1)) };

export interface TestIdentity {
  readonly mspId: string;
  readonly enrollmentId: string;
  readonly certificatePem: string;
  readonly privateKey: KeyObject;
}
export interface TestCa {
  readonly certPem: string;
  issue(mspId: string, cn: string, validity?: { notBefore: Date; notAfter: Date }): Promise<TestIdentity>;
}

/** A throw-away organisation CA (ECDSA P-256), as Fabric CA makes one. */
export async function testCa(name: string): Promise<TestCa> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({ serialNumber: '01', name: `CN=${name}`, ...VALIDITY, keys, signingAlgorithm: ALG, extensions: [new x509.BasicConstraintsExtension(true, undefined, true)] });
  let serial = 2;
  return {
    certPem: ca.toString('pem'),
    async issue(mspId, cn, validity = VALIDITY) {
      const leaf = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
      const cert = await x509.X509CertificateGenerator.create({ serialNumber: (serial++).toString(16).padStart(2, '0'), subject: `CN=${cn}`, issuer: ca.subject, ...validity, signingKey: keys.privateKey, publicKey: leaf.publicKey, signingAlgorithm: ALG });
      return { mspId, enrollmentId: cn, certificatePem: cert.toString('pem'), privateKey: createPrivateKey(pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', leaf.privateKey))) };
    },
  };
}

/** Every organisation of the fixtures: its CA (registered on the marketplace ledger) and one enrolled identity. */
export const ORGS = [DSP, VSP1, VSP2A, VSP2B, OUTSIDER, 'OtherMSP'] as const;
export const PKI: { cas: Record<string, TestCa>; ids: Record<string, TestIdentity> } = { cas: {}, ids: {} };
beforeAll(async () => {
  for (const msp of ORGS) {
    PKI.cas[msp] = await testCa(`ca.${msp.toLowerCase()}`);
    PKI.ids[msp] = await PKI.cas[msp].issue(msp, `user-${msp.toLowerCase()}`);
  }
});

/** A party's acceptance: ECDSA-SHA256 over the agreement's signing bytes, as negotiation signs. */
export function signatureOf(body: unknown, id: TestIdentity = PKI.ids[DSP] as TestIdentity) {
  return { mspId: id.mspId, enrollmentId: id.enrollmentId, certificatePem: id.certificatePem, signature: sign('sha256', agreementSigningBytes(body), id.privateKey).toString('base64') };
}

/** InitVersion's acceptances argument: signatures of `signers` (every member unless told) over `body`. */
export function acceptances(body: { members: readonly { mspId: string }[] }, signers: readonly string[] = body.members.map((m) => m.mspId), extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ signatures: signers.map((m) => signatureOf(body, PKI.ids[m])), ...extra });
}

/**
 * The participant registry as the marketplace chaincode answers GetParticipant (status and the
 * registered CA certificate), on its own channel; `cas` overrides or removes (undefined) an organisation.
 */
export function registry(cas: Record<string, string | undefined> = {}): { ledger: MemoryLedger; contract: object } {
  const registered = { ...Object.fromEntries(ORGS.map((m) => [m, PKI.cas[m]?.certPem])), ...cas };
  const contract = {
    GetParticipant: async (_ctx: unknown, mspId: string) => {
      const caCertPem = registered[mspId];
      if (!caCertPem) throw new Error(`NOT_FOUND: no participant ${mspId}`);
      return JSON.stringify({ mspId, role: mspId === DSP ? 'DSP' : 'VSP', name: mspId, status: 'active', caCertPem });
    },
  };
  return { ledger: new MemoryLedger('marketplace'), contract };
}

/** An empty channel dao-acme-v<version> whose peers reach the registry and, for a join, version − 1. */
export function daoLedger(version: number, previous?: { ledger: MemoryLedger; dao: DaoContract }, reg = registry()): MemoryLedger {
  const ledger = new MemoryLedger(`dao-acme-v${version}`, { sealedCollection: DAO_PRIVATE_COLLECTION });
  ledger.timeMs = START_MS;
  ledger.link('marketplace', reg.ledger, reg.contract);
  if (previous) ledger.link('dao', previous.ledger, previous.dao);
  return ledger;
}

/** A ledger for channel dao-acme-v<version> with the version initialised by the DSP, every member accepting. */
export async function initialised(version: 1 | 2, previous?: { ledger: MemoryLedger; dao: DaoContract }): Promise<{ ledger: MemoryLedger; dao: DaoContract }> {
  const ledger = daoLedger(version, version === 2 ? (previous ?? (await initialised(1))) : undefined);
  const dao = new DaoContract();
  await ledger.submit(DSP, (ctx) => dao.InitVersion(ctx, JSON.stringify(agreement(version)), acceptances(agreement(version))));
  return { ledger, dao };
}

/** CH_2 and CH_1 of DAO acme, with CH_1's peers able to query CH_2's dao chaincode (as real peers can). */
export async function linkedPair() {
  const bottom = await initialised(1);
  const top = await initialised(2, bottom);
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
