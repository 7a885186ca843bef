import { DAO_PRIVATE_COLLECTION } from '@datawell/contracts';
import { MemoryLedger } from '@datawell/chaincode-common';
import { DaoContract } from '../dao.contract';
import { DIGEST, DSP, INFRA, OUTSIDER, PKI, START_MS, TERMS, VSP1, VSP2A, acceptances, agreement, daoLedger, registry, signatureOf, type TestIdentity } from '../fixtures.spec-helper';

const s = JSON.stringify;
const id = (msp: string) => PKI.ids[msp] as TestIdentity;

/** Runs InitVersion as the DSP; on refusal, checks that nothing was written. */
async function init(ledger: MemoryLedger, body: unknown, acceptancesJson: string, dao = new DaoContract()) {
  const before = { state: ledger.state.size, events: ledger.events.length };
  try {
    return await ledger.submit(DSP, (ctx) => dao.InitVersion(ctx, s(body), acceptancesJson));
  } catch (error) {
    expect({ state: ledger.state.size, events: ledger.events.length }).toEqual(before);
    throw error;
  }
}

describe('InitVersion verifies the agreement on chain: a formation (version 1)', () => {
  const body = agreement(1);

  it('creates the version when every member signed with a certificate of its registered CA', async () => {
    const ledger = daoLedger(1);
    await init(ledger, body, acceptances(body));
    expect(ledger.lastEvent()?.name).toBe('VersionCreated');
  });

  it('refuses a forged signature: the right certificate, signed with another key', async () => {
    const forged = { ...signatureOf(body, id(OUTSIDER)), mspId: VSP1, enrollmentId: id(VSP1).enrollmentId, certificatePem: id(VSP1).certificatePem };
    await expect(init(daoLedger(1), body, s({ signatures: [signatureOf(body, id(DSP)), forged] }))).rejects.toThrow(
      /^FORBIDDEN: BAD_SIGNATURE: signatures\.1 \(VspOneMSP\/user-vsponemsp\): the signature does not verify over the agreement/,
    );
    await expect(init(daoLedger(1), body, s({ signatures: [signatureOf(body, id(DSP)), { ...signatureOf(body, id(VSP1)), signature: 'AAAA' }] }))).rejects.toThrow(/^FORBIDDEN: BAD_SIGNATURE: .*does not verify/);
  });

  it('refuses an agreement a member did not accept (partial)', async () => {
    await expect(init(daoLedger(1), body, acceptances(body, [DSP]))).rejects.toThrow(/^FORBIDDEN: NOT_ACCEPTED: not signed by VspOneMSP/);
    await expect(init(daoLedger(1), body, s({ signatures: [] }))).rejects.toThrow(/^INVALID_ARGUMENT: acceptances\.signatures/);
  });

  it('refuses terms altered after signing', async () => {
    const altered = agreement(1, { terms: { ...TERMS, durationDays: 3650 } });
    await expect(init(daoLedger(1), altered, acceptances(body))).rejects.toThrow(/^FORBIDDEN: BAD_SIGNATURE: signatures\.0 \(DspMSP\/user-dspmsp\): the signature does not verify/);
    const richer = agreement(1, { betaPpm: 100_000 });
    await expect(init(daoLedger(1), richer, acceptances(body))).rejects.toThrow(/^FORBIDDEN: BAD_SIGNATURE/);
  });

  it('refuses a signer from another organisation: a certificate of another CA, or a non-member signing', async () => {
    const foreign = { ...signatureOf(body, id(OUTSIDER)), mspId: VSP1, enrollmentId: id(OUTSIDER).enrollmentId };
    await expect(init(daoLedger(1), body, s({ signatures: [signatureOf(body, id(DSP)), foreign] }))).rejects.toThrow(
      /^FORBIDDEN: BAD_SIGNATURE: signatures\.1 \(VspOneMSP\/user-outsidermsp\): the certificate was not issued by the CA of VspOneMSP/,
    );
    await expect(init(daoLedger(1), body, acceptances(body, [DSP, VSP1, OUTSIDER]))).rejects.toThrow(/^FORBIDDEN: BAD_SIGNATURE: signatures\.2 \(OutsiderMSP\/.*\): OutsiderMSP is not a member/);
    await expect(init(daoLedger(1), body, s({ signatures: [signatureOf(body, id(DSP)), { ...signatureOf(body, id(VSP1)), enrollmentId: 'mallory' }] }))).rejects.toThrow(/the certificate is not mallory's/);
  });

  it('takes the CA certificate from the marketplace registry, and the certificate must be valid at the transaction time', async () => {
    // The registry records another CA for VspOneMSP (or none): VspOneMSP's own certificate no longer chains.
    await expect(init(daoLedger(1, undefined, registry({ [VSP1]: PKI.cas[OUTSIDER]?.certPem })), body, acceptances(body))).rejects.toThrow(/not issued by the CA of VspOneMSP/);
    await expect(init(daoLedger(1, undefined, registry({ [VSP1]: undefined })), body, acceptances(body))).rejects.toThrow(/^FORBIDDEN: BAD_SIGNATURE: .*no CA certificate is known for VspOneMSP/);
    const expired = await PKI.cas[VSP1]!.issue(VSP1, 'old', { notBefore: new Date(Date.UTC(2024, 0, 1)), notAfter: new Date(START_MS - 1) });
    await expect(init(daoLedger(1), body, s({ signatures: [signatureOf(body, id(DSP)), signatureOf(body, expired)] }))).rejects.toThrow(/signatures\.1 \(VspOneMSP\/old\): the certificate is not valid now/);
    const unreachable = new MemoryLedger('dao-acme-v1', { sealedCollection: DAO_PRIVATE_COLLECTION });
    await expect(init(unreachable, body, acceptances(body))).rejects.toThrow(/^NOT_FOUND: cannot read the participant registry \(marketplace on marketplace\)/);
  });
});

describe('InitVersion verifies the agreement on chain: a join (version 2)', () => {
  // Version 1: the DSP holds a minority of the ownership (40 %), VspOne the majority.
  const v1 = agreement(1, {
    members: [
      { mspId: DSP, group: 'D', role: 'DSP', weight: 1, ownershipPpm: 400_000 },
      { mspId: VSP1, group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 600_000 },
    ],
  });
  const join = (dsp: number, vsp1: number) =>
    agreement(2, {
      members: [
        { mspId: DSP, group: 'D', role: 'DSP', weight: 1, ownershipPpm: dsp },
        { mspId: VSP1, group: 'J1', role: 'VSP', weight: 1, ownershipPpm: vsp1 },
        { mspId: VSP2A, group: 'J2', role: 'VSP', weight: 1, ownershipPpm: 1_000_000 - dsp - vsp1 },
      ],
    });
  const body = join(300_000, 450_000);

  async function versionOne() {
    const ledger = daoLedger(1);
    const dao = new DaoContract();
    await ledger.submit(DSP, (ctx) => dao.InitVersion(ctx, s(v1), acceptances(v1)));
    return { ledger, dao };
  }

  it('passes with D, the joiners and a majority of version 1\'s ownership', async () => {
    const ledger = daoLedger(2, await versionOne());
    await init(ledger, body, acceptances(body, [DSP, VSP1, VSP2A]));
    expect(ledger.lastEvent()).toMatchObject({ name: 'VersionCreated', payload: { version: 2 } });
  });

  it('refuses a join without the founding group D, or without a joiner', async () => {
    const previous = await versionOne();
    await expect(init(daoLedger(2, previous), body, acceptances(body, [VSP1, VSP2A]))).rejects.toThrow(/^FORBIDDEN: NOT_ACCEPTED: not signed by DspMSP \(the founding group and the joiners must sign\)/);
    await expect(init(daoLedger(2, previous), body, acceptances(body, [DSP, VSP1]))).rejects.toThrow(/^FORBIDDEN: NOT_ACCEPTED: not signed by VspTwoAMSP/);
  });

  it('refuses a join without a majority of version 1\'s recorded ownership, even when the agreement claims one', async () => {
    const previous = await versionOne();
    await expect(init(daoLedger(2, previous), body, acceptances(body, [DSP, VSP2A]))).rejects.toThrow(/^FORBIDDEN: NOT_ACCEPTED: the earlier members who signed hold 400000 of 1000000 ppm of version 1's ownership, not a majority/);
    // The DSP and the joiner sign an agreement that gives the DSP most of the earlier ownership: the
    // agreement's own numbers would make a majority (600000 of 750000), version 1's do not.
    const claimed = join(600_000, 150_000);
    await expect(init(daoLedger(2, previous), claimed, acceptances(claimed, [DSP, VSP2A]))).rejects.toThrow(/hold 400000 of 1000000 ppm of version 1's ownership, not a majority/);
  });

  it('takes exactly half of version 1\'s ownership as no majority', async () => {
    const half = agreement(1, {
      members: [
        { mspId: DSP, group: 'D', role: 'DSP', weight: 1, ownershipPpm: 500_000 },
        { mspId: VSP1, group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 500_000 },
      ],
    });
    const first = daoLedger(1);
    const dao = new DaoContract();
    await first.submit(DSP, (ctx) => dao.InitVersion(ctx, s(half), acceptances(half)));
    await expect(init(daoLedger(2, { ledger: first, dao }), body, acceptances(body, [DSP, VSP2A]))).rejects.toThrow(/hold 500000 of 1000000 ppm/);
  });

  it("carries an earlier member's workloads over only as version 1's current spec has them; their parts are taken on version 2", async () => {
    const joinerNode = { name: 'mpc-vsp2', owner: VSP2A, placement: 'managed', kind: 'mpc-node' };
    const withWorkloads = (workloads: unknown[]) => ({ ...body, infrastructure: { workloads } });
    // Every earlier member's workload as version 1 has it, with the joiner's own.
    const carried = withWorkloads([...INFRA.workloads, joinerNode]);
    const ledger = daoLedger(2, await versionOne());
    const dao = new DaoContract();
    await init(ledger, carried, acceptances(carried, [DSP, VSP1, VSP2A]), dao);
    expect(ledger.lastEvent()).toMatchObject({ name: 'VersionCreated', payload: { infrastructureRequested: { revision: 1, spec: { workloads: [...INFRA.workloads, joinerNode] } } } });
    // The DSP, an earlier member, has a managed workload in version 2's spec: its provisioner reports its
    // part on version 2's channel as itself; the revision is provisioned once the joiner's is in too.
    await ledger.submit(DSP, (ctx) => dao.InfrastructurePartProvisioned(ctx, s({ revision: 1, outputsDigest: DIGEST })));
    expect(ledger.lastEvent()).toMatchObject({ name: 'InfrastructurePartProvisioned', payload: { mspId: DSP } });
    await ledger.submit(VSP2A, (ctx) => dao.InfrastructurePartProvisioned(ctx, s({ revision: 1, outputsDigest: DIGEST })));
    expect(ledger.lastEvent()).toMatchObject({ name: 'InfrastructureProvisioned', payload: { parts: [DSP, VSP2A] } });

    // Changed on the way, or a workload an earlier member never had: refused, nothing written.
    const changed = withWorkloads([{ ...INFRA.workloads[0], parameters: { replicas: 3 } }, joinerNode]);
    await expect(init(daoLedger(2, await versionOne()), changed, acceptances(changed, [DSP, VSP1, VSP2A]))).rejects.toThrow(
      /^CONFLICT: agreement\.infrastructure\.workloads\.0: mpc-dsp of DspMSP, an earlier member, is not a workload of version 1's infrastructure revision 1 as it stands/,
    );
    const added = withWorkloads([joinerNode, { name: 'extra', owner: VSP1, placement: 'managed', kind: 'mpc-node' }]);
    await expect(init(daoLedger(2, await versionOne()), added, acceptances(added, [DSP, VSP1, VSP2A]))).rejects.toThrow(/^CONFLICT: agreement\.infrastructure\.workloads\.1: extra of VspOneMSP, an earlier member/);

    // After a change of version 1's infrastructure (revision 2), what is carried over is the new revision's.
    const previous = await versionOne();
    const bigger = { name: 'bigger', owner: DSP, placement: 'managed', kind: 'mpc-node' };
    await previous.ledger.submit(DSP, (ctx) => previous.dao.CreateProposal(ctx, s({ proposalId: 'infra', kind: 'change-infrastructure', payload: { workloads: [bigger] } })));
    await previous.ledger.submit(DSP, (ctx) => previous.dao.CastVote(ctx, 'infra', 'yes'));
    await previous.ledger.submit(VSP1, (ctx) => previous.dao.CastVote(ctx, 'infra', 'yes'));
    await expect(init(daoLedger(2, previous), carried, acceptances(carried, [DSP, VSP1, VSP2A]))).rejects.toThrow(/mpc-dsp of DspMSP, an earlier member, is not a workload of version 1's infrastructure revision 2/);
    const afterChange = withWorkloads([bigger, joinerNode]);
    await init(daoLedger(2, previous), afterChange, acceptances(afterChange, [DSP, VSP1, VSP2A]));
  });

  it('refuses a join whose earlier members are not version 1\'s, or when version 1 cannot be read', async () => {
    const previous = await versionOne();
    const swapped = agreement(2, {
      members: [
        { mspId: DSP, group: 'D', role: 'DSP', weight: 1, ownershipPpm: 500_000 },
        { mspId: OUTSIDER, group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 250_000 },
        { mspId: VSP2A, group: 'J2', role: 'VSP', weight: 1, ownershipPpm: 250_000 },
      ],
      terms: { ...TERMS, computations: [] },
      infrastructure: { workloads: [{ name: 'w', owner: DSP, placement: 'managed', kind: 'k' }] },
    });
    await expect(init(daoLedger(2, previous), swapped, acceptances(swapped))).rejects.toThrow(/^CONFLICT: agreement\.members: VspOneMSP, an active member of version 1 in group J1, is not in group J1 of the agreement/);
    await expect(init(daoLedger(2), body, acceptances(body))).rejects.toThrow(/^NOT_FOUND: cannot read version 1 on dao-acme-v1 \(chaincode dao\)/);
    await expect(init(daoLedger(2, previous), body, acceptances(body, undefined, { previousChaincode: 'elsewhere' }))).rejects.toThrow(/^NOT_FOUND: cannot read version 1 on dao-acme-v1 \(chaincode elsewhere\)/);
  });
});
