import 'reflect-metadata';
import { Metadata, status } from '@grpc/grpc-js';
import type { Authenticator, Principal } from '@datawell/auth';
import { grpcStatusOf, loadGrpcService } from '@datawell/service-platform';
import type { MemberLedger } from '../admin/member-dao';
import { LEDGER_BRIDGE_GRPC, LEDGER_BRIDGE_PROTO, LedgerBridgeGrpc } from './ledger-bridge.grpc';

const principal = (mspId: string): Principal => ({ mspId, enrollmentId: 'alice', role: 'VSP', certificateFingerprint: 'ab' });
const refusal = (text: string) => Object.assign(new Error('10 ABORTED: failed to endorse transaction'), { code: 10, details: [{ message: `chaincode response 500, ${text}` }] });

function handlers(caller: Principal, submit: (fn: string, args: readonly string[]) => Promise<{ txId: string }> = async () => ({ txId: 'tx1' })) {
  const calls: string[] = [];
  const transfers: Record<string, Record<string, unknown>> = {};
  const ledger: MemberLedger = {
    mspId: 'VspTwoMSP',
    evaluate: async (_msp, channel, _cc, _fn, args) => {
      const t = transfers[channel];
      if (!t || t['transferId'] !== args[0]) throw refusal(`NOT_FOUND: no transfer ${args[0]}`);
      return JSON.stringify(t);
    },
    submit: async (channel, _cc, fn, args) => {
      calls.push(`${channel} ${fn}`);
      const answer = await submit(fn, args);
      const offer = JSON.parse(args[0]!) as { transferId: string; to: string };
      transfers[channel] = { transferId: offer.transferId, from: 'VspTwoMSP', to: offer.to, status: 'offered', consents: ['VspTwoMSP'], consented: false, consentedPpm: 250_000, activeOwnershipPpm: 1_000_000 };
      return answer;
    },
    channels: async () => ['marketplace', 'dao-acme-v2', 'dao-acme-v3'],
  };
  const auth = { authenticateCall: async () => caller } as unknown as Authenticator;
  return { calls, grpc: new LedgerBridgeGrpc(auth, ledger) };
}

describe('the ledger bridge gRPC transfers of rights', () => {
  it('offers on every channel of the DAO and answers a Transfer that survives the wire', async () => {
    const { calls, grpc } = handlers(principal('VspTwoMSP'));
    const answer = await grpc.OfferTransfer({ dao_id: 'acme', to: 'NewMSP', transfer_id: 't1' }, new Metadata());
    expect(calls).toEqual(['dao-acme-v2 OfferTransfer', 'dao-acme-v3 OfferTransfer']);
    const method = loadGrpcService(LEDGER_BRIDGE_PROTO, LEDGER_BRIDGE_GRPC.service)['OfferTransfer']!;
    const decoded = method.responseDeserialize(method.responseSerialize(answer)) as { transfer_id: string; channels: Array<Record<string, unknown>> };
    expect(decoded.transfer_id).toBe('t1');
    expect(decoded.channels[0]).toMatchObject({ channel: 'dao-acme-v2', version: 2, tx_id: 'tx1', status: 'offered', from: 'VspTwoMSP', to: 'NewMSP', consents: ['VspTwoMSP'], accepted: false, consented: false, consented_ppm: 250000, active_ownership_ppm: 1000000 });
    const request = method.requestDeserialize(method.requestSerialize({ dao_id: 'acme', to: 'NewMSP' })) as Record<string, unknown>;
    expect(request).toMatchObject({ dao_id: 'acme', to: 'NewMSP' });
    expect(request['transfer_id'] ?? undefined).toBeUndefined();
  });

  it('refuses with the statuses and stable codes of the HTTP routes', async () => {
    const code = async (caller: Principal, call: (g: LedgerBridgeGrpc) => Promise<unknown>, submit?: () => Promise<{ txId: string }>) => {
      const error = await call(handlers(caller, submit).grpc).then(() => undefined, (e: unknown) => e as { code: string });
      return [grpcStatusOf(error), error?.code];
    };
    expect(await code(principal('OtherMSP'), (g) => g.OfferTransfer({ dao_id: 'acme', to: 'NewMSP' }, new Metadata()))).toEqual([status.PERMISSION_DENIED, 'FORBIDDEN']);
    expect(await code(principal('VspTwoMSP'), (g) => g.OfferTransfer({ dao_id: 'acme', to: '' }, new Metadata()))).toEqual([status.INVALID_ARGUMENT, 'INVALID_REQUEST']);
    expect(await code(principal('VspTwoMSP'), (g) => g.OfferTransfer({ dao_id: 'acme', to: 'VspOneMSP' }, new Metadata()), async () => Promise.reject(refusal('CONFLICT: RECIPIENT_AT_OTHER_LEVEL: VspOneMSP holds a position in group J1')))).toEqual([status.FAILED_PRECONDITION, 'RECIPIENT_AT_OTHER_LEVEL']);
    expect(await code(principal('VspTwoMSP'), (g) => g.OfferTransfer({ dao_id: 'acme', to: 'NewMSP', transfer_id: 't9' }, new Metadata()), async () => Promise.reject(refusal('CONFLICT: TRANSFER_EXISTS: transfer t9 exists already')))).toEqual([status.ALREADY_EXISTS, 'TRANSFER_EXISTS']);
    expect(await code(principal('VspTwoMSP'), (g) => g.ConsentTransfer({ dao_id: 'acme', transfer_id: 'nope' }, new Metadata()))).toEqual([status.NOT_FOUND, 'TRANSFER_NOT_FOUND']);
    expect(await code(principal('VspTwoMSP'), (g) => g.AcceptTransfer({ dao_id: 'nodao', transfer_id: 't1' }, new Metadata()))).toEqual([status.NOT_FOUND, 'VERSION_NOT_FOUND']);
    expect(await code(principal('VspTwoMSP'), (g) => g.GetTransfer({ dao_id: 'acme', transfer_id: 'bad id' }, new Metadata()))).toEqual([status.INVALID_ARGUMENT, 'INVALID_REQUEST']);
  });
});
