import 'reflect-metadata';
import type { Principal } from '@datawell/auth';
import type { MemberReads } from '../admin/dao-reads';
import { MemberReadsController } from './member-reads.controller';

const principal = (mspId: string, role: Principal['role'] = 'DSP'): Principal => ({ mspId, enrollmentId: 'alice', role, certificateFingerprint: 'ab' });

function controller(answer: (channel: string, fn: string) => Promise<string>) {
  const calls: string[] = [];
  const reads: MemberReads = {
    mspId: 'AcmeMSP',
    evaluate: async (mspId, channel, chaincode, fn) => {
      calls.push(`${mspId} ${channel} ${chaincode} ${fn}`);
      return answer(channel, fn);
    },
  };
  return { calls, controller: new MemberReadsController(reads) };
}

describe("a member bridge's reads of its DAOs", () => {
  it("reads a version's state and entitlements as its own organisation, on the version's channel", async () => {
    const { calls, controller: c } = controller(async (_channel, fn) => JSON.stringify({ fn }));
    await expect(c.read(principal('AcmeMSP'), 'acme', '2', 'state')).resolves.toEqual({ fn: 'GetVersion' });
    await expect(c.read(principal('AcmeMSP', 'VSP'), 'acme', '2', 'entitlements')).resolves.toEqual({ fn: 'GetEntitlements' });
    expect(calls).toEqual(['AcmeMSP dao-acme-v2 dao GetVersion', 'AcmeMSP dao-acme-v2 dao GetEntitlements']);
  });

  it("refuses another organisation's identity (the operator's too) before reaching the peer", async () => {
    const { calls, controller: c } = controller(async () => '{}');
    await expect(c.read(principal('OtherMSP'), 'acme', '1', 'state')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(c.read(principal('OperatorMSP', 'OPERATOR'), 'acme', '1', 'state')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(calls).toEqual([]);
  });

  it('answers VERSION_NOT_FOUND where the peer has no such channel, LEDGER_UNAVAILABLE when it does not answer', async () => {
    const notMember = controller(async () => {
      throw Object.assign(new Error('access denied: channel [dao-acme-v9] creator org unknown'), { code: 7 });
    });
    await expect(notMember.controller.read(principal('AcmeMSP'), 'acme', '9', 'state')).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND' });
    const down = controller(async () => {
      throw Object.assign(new Error('14 UNAVAILABLE: connect ECONNREFUSED'), { code: 14 });
    });
    await expect(down.controller.read(principal('AcmeMSP'), 'acme', '1', 'state')).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE' });
  });
});
