import { randomBytes } from 'node:crypto';
import { peer as peerProtos } from '@hyperledger/fabric-protos';
import { DAO, usageEntrySchema, type UsageEntryInput } from '@datawell/contracts';
import type { GatewayConnection } from '@datawell/fabric';
import { enrollClientIdentity } from '@datawell/stack';
import { acceptancesOf, connectAs, deployTestChaincode, evaluate, eventOf, failure, registerParticipants, submit, testStackContext, twoMemberAgreement } from '@datawell/testing';
import type { MemberLedger } from '../../src/admin/member-dao';
import { MemberUsageController } from '../../src/member-network/member-usage.controller';

/*
 * The data owner's usage trail on the real network: DAO `itusage`, version 1 on channel
 * dao-itusage-v1 (D = ItDsp, J1 = ItVspOne), the dao chaincode deployed as `it-usage-v1`. Real
 * RecordUsage transactions — a granted request recorded by its requester, a refused one by the
 * dataset's owner — then the trail read through the member bridge's route over the DSP's own peer,
 * each entry's transaction id checked with Fabric's own query system chaincode (qscc). The version is
 * initialised once (InitVersion is idempotent); every run uses a fresh dataset name.
 */
const DSP = 'ItDspMSP';
const VSP1 = 'ItVspOneMSP';
const CC = { name: 'it-usage-v1', channel: 'dao-itusage-v1', module: 'chaincode/dao' };
const run = randomBytes(4).toString('hex');
const dataset = `readings-${run}`;
const agreement = twoMemberAgreement({ daoId: 'itusage', dsp: DSP, vsp: VSP1, terms: { computations: [{ name: 'mean', resultRecipients: [VSP1] }] } });

describe('the usage trail on the real network, read through the member bridge', () => {
  const ctx = testStackContext();
  const conns: Record<string, GatewayConnection> = {};
  const net = (msp: string) => (conns[msp] as GatewayConnection).gateway.getNetwork(CC.channel);

  beforeAll(async () => {
    await registerParticipants(ctx, [{ mspId: DSP, role: 'DSP' }, { mspId: VSP1, role: 'VSP' }]);
    await deployTestChaincode(ctx, CC, [DSP, VSP1]);
    for (const msp of [DSP, VSP1]) conns[msp] = await connectAs(ctx, msp);
    const identities = await Promise.all(agreement.members.map((m) => enrollClientIdentity(ctx, m.mspId, 'it-chaincode')));
    await submit(net(DSP), CC.name, DAO.tx.InitVersion, JSON.stringify(agreement), JSON.stringify(acceptancesOf(agreement, identities, CC.name)));
  }, 900_000);
  afterAll(() => Object.values(conns).forEach((c) => c.close()));

  /** The DSP's member bridge: its ledger is the DSP's own gateway (the test deployment's chaincode name for `dao`). */
  const dspBridge = () => {
    const ledger: MemberLedger = {
      mspId: DSP,
      evaluate: async (_msp, channel, chaincode, fn, args) => {
        expect([channel, chaincode]).toEqual([CC.channel, DAO.chaincode]);
        return evaluate(net(DSP), CC.name, fn, ...args);
      },
      submit: async () => {
        throw new Error('the trail only reads');
      },
      channels: async () => [CC.channel],
    };
    return new MemberUsageController(ledger);
  };

  it('records a granted and a refused request and reads them back, oldest first, each with its committed transaction id', async () => {
    const base = { dataset: { owner: DSP, name: dataset }, computation: 'mean', parametersDigest: 'ef'.repeat(32) };
    const granted: UsageEntryInput = usageEntrySchema.parse({ ...base, usageId: `cmp-${run}`, requester: { mspId: VSP1, enrollmentId: 'it-chaincode' }, recipients: [VSP1], outcome: 'granted', rows: 500, resultDigest: 'ab'.repeat(32) });
    const refused: UsageEntryInput = usageEntrySchema.parse({ ...base, usageId: `ref-${run}`, requester: { mspId: 'ItVspTwoMSP' }, recipients: [DSP], outcome: 'refused', check: 'requester-member' });

    // Who records what: the requester a granted request, the dataset's owner a refusal.
    expect(await failure(() => submit(net(DSP), CC.name, DAO.tx.RecordUsage, JSON.stringify(granted)))).toMatch(/FORBIDDEN: ItDspMSP may not record ItVspOneMSP's granted request/);
    expect(await failure(() => submit(net(VSP1), CC.name, DAO.tx.RecordUsage, JSON.stringify(refused)))).toMatch(/FORBIDDEN: ItVspOneMSP may not record a refused request on ItDspMSP's dataset/);
    const first = await submit(net(VSP1), CC.name, DAO.tx.RecordUsage, ...DAO.invocation(DAO.tx.RecordUsage, granted).arguments);
    const second = await submit(net(DSP), CC.name, DAO.tx.RecordUsage, ...DAO.invocation(DAO.tx.RecordUsage, refused).arguments);
    expect((await eventOf(net(DSP), CC.name, first)).payload).toMatchObject({ type: DAO.event.UsageRecorded, usageId: granted.usageId, txId: first.txId, recordedBy: VSP1 });
    // A retry (the bridge resubmitting a command) records nothing new and answers the first transaction.
    expect(JSON.parse((await submit(net(VSP1), CC.name, DAO.tx.RecordUsage, JSON.stringify(granted))).result)).toMatchObject({ txId: first.txId });

    const trail = await dspBridge().trail({ mspId: DSP, enrollmentId: 'owner', role: 'DSP', certificateFingerprint: 'x' }, dataset, { daoId: 'itusage' });
    expect(trail.entries.map((e) => [e.usageId, e.outcome, e.txId, e.version])).toEqual([
      [granted.usageId, 'granted', first.txId, 1],
      [refused.usageId, 'refused', second.txId, 1],
    ]);
    expect(trail.entries[0]).toMatchObject({ requester: { mspId: VSP1, enrollmentId: 'it-chaincode' }, rows: 500, resultDigest: granted.resultDigest, recipients: [VSP1], recordedBy: VSP1 });
    expect(trail.entries[1]).toMatchObject({ requester: { mspId: 'ItVspTwoMSP' }, check: 'requester-member', recordedBy: DSP });
    expect(trail.entries[0]!.atMs).toBeLessThanOrEqual(trail.entries[1]!.atMs);

    // Each transaction id is a valid transaction of the channel, as Fabric's own query system chaincode has it.
    for (const e of trail.entries) {
      const bytes = await net(VSP1).getContract('qscc').evaluateTransaction('GetTransactionByID', CC.channel, e.txId);
      expect(peerProtos.ProcessedTransaction.deserializeBinary(bytes).getValidationcode()).toBe(peerProtos.TxValidationCode.VALID);
    }
  });

  it("gives every member's peer the same trail, and nothing of another dataset", async () => {
    const fromVsp = JSON.parse(await evaluate(net(VSP1), CC.name, DAO.tx.GetUsage, dataset)) as { entries: unknown[] };
    const fromDsp = JSON.parse(await evaluate(net(DSP), CC.name, DAO.tx.GetUsage, dataset)) as { entries: unknown[] };
    expect(fromVsp.entries).toHaveLength(2);
    expect(fromVsp).toEqual(fromDsp);
    expect(JSON.parse(await evaluate(net(VSP1), CC.name, DAO.tx.GetUsage, `other-${run}`))).toEqual({ dataset: `other-${run}`, entries: [] });
  });
});
