import 'reflect-metadata';
import { generateKeyPairSync } from 'node:crypto';
import type { Principal } from '@datawell/auth';
import type { MemberLedger } from '../admin/member-dao';
import { MemberDaoController } from './member-dao.controller';

const principal = (mspId: string, role: Principal['role'] = 'DSP'): Principal => ({ mspId, enrollmentId: 'alice', role, certificateFingerprint: 'ab' });

function controller(opts: { answer?: (channel: string, fn: string) => Promise<string>; submit?: (channel: string, fn: string, args: readonly string[]) => Promise<{ txId: string }>; channels?: string[] } = {}) {
  const calls: string[] = [];
  const ledger: MemberLedger = {
    mspId: 'AcmeMSP',
    evaluate: async (mspId, channel, chaincode, fn) => {
      calls.push(`evaluate ${mspId} ${channel} ${chaincode} ${fn}`);
      return (opts.answer ?? (async () => '{}'))(channel, fn);
    },
    submit: async (channel, chaincode, fn, args) => {
      calls.push(`submit ${channel} ${chaincode} ${fn} ${args.join(' ')}`);
      return (opts.submit ?? (async () => ({ txId: 'tx1' })))(channel, fn, args);
    },
    channels: async () => opts.channels ?? ['marketplace', 'dao-acme-v1', 'dao-acme-v2', 'dao-other-v7'],
  };
  return { calls, controller: new MemberDaoController(ledger) };
}

/** A chaincode refusal as the gateway reports it: the code in an endorsement detail. */
const refusal = (text: string) => Object.assign(new Error('10 ABORTED: failed to endorse transaction'), { code: 10, details: [{ message: `chaincode response 500, ${text}` }] });

describe("a member bridge's own API over its DAOs", () => {
  it("reads a version's state and entitlements as its own organisation, on the version's channel", async () => {
    const { calls, controller: c } = controller({ answer: async (_channel, fn) => JSON.stringify({ fn }) });
    await expect(c.read(principal('AcmeMSP'), 'acme', '2', 'state')).resolves.toEqual({ fn: 'GetVersion' });
    await expect(c.read(principal('AcmeMSP', 'VSP'), 'acme', '2', 'entitlements')).resolves.toEqual({ fn: 'GetEntitlements' });
    expect(calls).toEqual(['evaluate AcmeMSP dao-acme-v2 dao GetVersion', 'evaluate AcmeMSP dao-acme-v2 dao GetEntitlements']);
  });

  it("refuses another organisation's identity (the operator's too) before reaching the peer", async () => {
    const { calls, controller: c } = controller();
    await expect(c.read(principal('OtherMSP'), 'acme', '1', 'state')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(c.read(principal('OperatorMSP', 'OPERATOR'), 'acme', '1', 'state')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(c.revenue(principal('OtherMSP'), 'acme', { amount: '10', kind: 'use' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(calls).toEqual([]);
  });

  it('answers VERSION_NOT_FOUND where the peer has no such channel, LEDGER_UNAVAILABLE when it does not answer', async () => {
    const notMember = controller({
      answer: async () => {
        throw Object.assign(new Error('access denied: channel [dao-acme-v9] creator org unknown'), { code: 7 });
      },
    });
    await expect(notMember.controller.read(principal('AcmeMSP'), 'acme', '9', 'state')).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND' });
    const down = controller({
      answer: async () => {
        throw Object.assign(new Error('14 UNAVAILABLE: connect ECONNREFUSED'), { code: 14 });
      },
    });
    await expect(down.controller.read(principal('AcmeMSP'), 'acme', '1', 'state')).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE' });
  });

  it('records revenue on the top channel of the DAO it is in, signed by itself, under the revenue id given', async () => {
    const { calls, controller: c } = controller();
    await expect(c.revenue(principal('AcmeMSP'), 'acme', { amount: '1000', kind: 'subscription', revenueId: 'r-1', reference: 'invoice 7' })).resolves.toEqual({ daoId: 'acme', channel: 'dao-acme-v2', revenueId: 'r-1', txId: 'tx1' });
    expect(calls).toEqual([`submit dao-acme-v2 dao RecordRevenue ${JSON.stringify({ revenueId: 'r-1', amount: '1000', kind: 'subscription-period', reference: 'invoice 7' })}`]);
    const made = await c.revenue(principal('AcmeMSP'), 'acme', { amount: '5', kind: 'use' });
    expect(made.revenueId).toMatch(/^rev-[0-9a-f-]{36}$/);
  });

  it('refuses bad revenue before the ledger, a DAO it is in no version of, and maps the chaincode\'s refusals', async () => {
    const { calls, controller: c } = controller();
    for (const bad of [{}, { amount: '0', kind: 'use' }, { amount: '1.5', kind: 'use' }, { amount: '10', kind: 'gift' }, { amount: '10', kind: 'use', extra: 1 }, [1]]) {
      await expect(c.revenue(principal('AcmeMSP'), 'acme', bad)).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    }
    await expect(c.revenue(principal('AcmeMSP'), 'nope', { amount: '10', kind: 'use' })).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND' });
    expect(calls).toEqual([]);
    const exists = controller({ submit: async () => Promise.reject(refusal('CONFLICT: revenue r-1 is already recorded')) });
    await expect(exists.controller.revenue(principal('AcmeMSP'), 'acme', { amount: '10', kind: 'use', revenueId: 'r-1' })).rejects.toMatchObject({ code: 'REVENUE_EXISTS' });
    const refused = controller({ submit: async () => Promise.reject(refusal('FORBIDDEN: AcmeMSP is not an active member')) });
    await expect(refused.controller.revenue(principal('AcmeMSP'), 'acme', { amount: '10', kind: 'use' })).rejects.toMatchObject({ code: 'LEDGER_REJECTED', message: expect.stringMatching(/not an active member/) });
    const down = controller({ submit: async () => Promise.reject(Object.assign(new Error('14 UNAVAILABLE: connect ECONNREFUSED'), { code: 14 })) });
    await expect(down.controller.revenue(principal('AcmeMSP'), 'acme', { amount: '10', kind: 'use' })).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE' });
  });

  it("registers a self-hosted workload's key on the version's channel, signed by itself, and maps refusals", async () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const { calls, controller: c } = controller();
    await expect(c.workload(principal('AcmeMSP', 'VSP'), 'acme', '1', { workloadId: 'own-1', publicKeyPem })).resolves.toEqual({ daoId: 'acme', version: 1, channel: 'dao-acme-v1', workloadId: 'own-1', owner: 'AcmeMSP', txId: 'tx1' });
    expect(calls).toEqual([`submit dao-acme-v1 dao RegisterWorkload ${JSON.stringify({ workloadId: 'own-1', publicKeyPem })}`]);
    await expect(c.workload(principal('OtherMSP'), 'acme', '1', { workloadId: 'own-1', publicKeyPem })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    for (const bad of [{}, { workloadId: 'own-1' }, { workloadId: 'own 1', publicKeyPem }, { workloadId: 'own-1', publicKeyPem: 'not a key' }, { workloadId: 'own-1', publicKeyPem, extra: 1 }]) {
      await expect(c.workload(principal('AcmeMSP'), 'acme', '1', bad)).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    }
    await expect(c.workload(principal('AcmeMSP'), 'acme', '3', { workloadId: 'own-1', publicKeyPem })).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND' });
    expect(calls).toHaveLength(1);
    const exists = controller({ submit: async () => Promise.reject(refusal('CONFLICT: workload own-1 is already registered')) });
    await expect(exists.controller.workload(principal('AcmeMSP'), 'acme', '1', { workloadId: 'own-1', publicKeyPem })).rejects.toMatchObject({ code: 'WORKLOAD_EXISTS' });
    const refused = controller({ submit: async () => Promise.reject(refusal('INVALID_ARGUMENT: unsupported key')) });
    await expect(refused.controller.workload(principal('AcmeMSP'), 'acme', '1', { workloadId: 'own-1', publicKeyPem })).rejects.toMatchObject({ code: 'LEDGER_REJECTED' });
    const down = controller({ submit: async () => Promise.reject(Object.assign(new Error('14 UNAVAILABLE: connect ECONNREFUSED'), { code: 14 })) });
    await expect(down.controller.workload(principal('AcmeMSP'), 'acme', '1', { workloadId: 'own-1', publicKeyPem })).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE' });
  });
});
