import 'reflect-metadata';
import { Metadata, status } from '@grpc/grpc-js';
import { Authenticator, unauthenticated, type Principal } from '@datawell/auth';
import { grpcStatusOf, loadGrpcService } from '@datawell/service-platform';
import type { MemberLedger } from '../admin/member-dao';
import type { LedgerBridgeServiceConfig } from '../config';
import type { UsageEntryView } from '../member-network/member-usage';
import { LEDGER_BRIDGE_GRPC, LEDGER_BRIDGE_PROTO, LedgerBridgeGrpc, ledgerBridgeGrpc, usageArgumentsOf, usageTrailMessage } from './ledger-bridge.grpc';

const entry = (usageId: string, atMs: number, txId: string, outcome: 'granted' | 'refused' | 'failed') => ({
  usageId,
  dataset: { owner: 'AcmeMSP', name: 'readings' },
  requester: outcome === 'granted' ? { mspId: 'VspMSP', enrollmentId: 'alice' } : { mspId: 'VspMSP' },
  computation: 'mean',
  parametersDigest: 'ab'.repeat(32),
  recipients: ['VspMSP'],
  outcome,
  ...(outcome === 'granted' ? { rows: 5, resultDigest: 'cd'.repeat(32) } : outcome === 'refused' ? { check: 'recipients-allowed' } : { failure: 'NODES_INCOMPLETE' }),
  recordedBy: 'AcmeMSP',
  atMs,
  txId,
});

const principal = (mspId: string): Principal => ({ mspId, enrollmentId: 'alice', role: 'DSP', certificateFingerprint: 'ab' });

function handlers(caller: Principal | Error) {
  const calls: string[] = [];
  const ledger: MemberLedger = {
    mspId: 'AcmeMSP',
    evaluate: async (mspId, channel, chaincode, fn, args) => {
      calls.push(`${mspId} ${channel} ${chaincode} ${fn} ${args.join(' ')}`);
      return JSON.stringify({ dataset: 'readings', entries: channel === 'dao-acme-v1' ? [entry('cmp-1', 10, 'tx1', 'granted'), entry('ref-1', 30, 'tx3', 'refused')] : [entry('cmp-2', 20, 'tx2', 'failed')] });
    },
    submit: async () => ({ txId: 'never' }),
    channels: async () => ['marketplace', 'dao-acme-v1', 'dao-acme-v2'],
  };
  const seen: Metadata[] = [];
  const auth = {
    authenticateCall: async (metadata: Metadata) => {
      seen.push(metadata);
      if (caller instanceof Error) throw caller;
      return caller;
    },
  } as unknown as Authenticator;
  return { calls, seen, grpc: new LedgerBridgeGrpc(auth, ledger) };
}

describe('the ledger bridge gRPC usage trail', () => {
  it('turns a request into the HTTP route path and query, so that one schema judges both', () => {
    expect(usageArgumentsOf({ dataset: 'readings', dao_id: 'acme' })).toEqual({ dataset: 'readings', query: { daoId: 'acme' } });
    expect(usageArgumentsOf({ dataset: 'readings', dao_id: 'acme', version: 2, _version: 'version' })).toEqual({ dataset: 'readings', query: { daoId: 'acme', version: '2' } });
    // Unset strings (proto3 defaults) and a version 0 stay what they are: the schema refuses them.
    expect(usageArgumentsOf({ version: 0 })).toEqual({ dataset: '', query: { daoId: '', version: '0' } });
  });

  it('writes every field of an entry, optional ones only where the ledger has them, and survives the wire', () => {
    const trail = { daoId: 'acme', dataset: 'readings', entries: [{ ...entry('cmp-1', 10, 'tx1', 'granted'), version: 1, channel: 'dao-acme-v1' }, { ...entry('ref-1', 30, 'tx3', 'refused'), version: 2, channel: 'dao-acme-v2' }] as UsageEntryView[] };
    const message = usageTrailMessage(trail);
    expect(message).toEqual({
      dao_id: 'acme',
      dataset: 'readings',
      entries: [
        { usage_id: 'cmp-1', dataset: { owner: 'AcmeMSP', name: 'readings' }, requester: { msp_id: 'VspMSP', enrollment_id: 'alice' }, computation: 'mean', parameters_digest: 'ab'.repeat(32), recipients: ['VspMSP'], outcome: 'granted', rows: 5, result_digest: 'cd'.repeat(32), recorded_by: 'AcmeMSP', at_ms: 10, tx_id: 'tx1', version: 1, channel: 'dao-acme-v1' },
        { usage_id: 'ref-1', dataset: { owner: 'AcmeMSP', name: 'readings' }, requester: { msp_id: 'VspMSP' }, computation: 'mean', parameters_digest: 'ab'.repeat(32), recipients: ['VspMSP'], outcome: 'refused', check: 'recipients-allowed', recorded_by: 'AcmeMSP', at_ms: 30, tx_id: 'tx3', version: 2, channel: 'dao-acme-v2' },
      ],
    });
    // Through the proto's own serialisation (the server's encoder, a client's decoder).
    const method = loadGrpcService(LEDGER_BRIDGE_PROTO, LEDGER_BRIDGE_GRPC.service)['GetUsage']!;
    const decoded = method.responseDeserialize(method.responseSerialize(message)) as { entries: Array<Record<string, unknown>> };
    expect(decoded.entries[0]).toMatchObject({ usage_id: 'cmp-1', rows: '5', at_ms: '10', requester: { msp_id: 'VspMSP', enrollment_id: 'alice' }, result_digest: 'cd'.repeat(32) });
    expect(decoded.entries[1]).toMatchObject({ usage_id: 'ref-1', check: 'recipients-allowed', at_ms: '30', version: 2 });
    expect(decoded.entries[1]).not.toHaveProperty('rows');
    const request = method.requestDeserialize(method.requestSerialize({ dataset: 'readings', dao_id: 'acme' })) as Record<string, unknown>;
    expect(usageArgumentsOf(request)).toEqual({ dataset: 'readings', query: { daoId: 'acme' } });
  });

  it("answers GetUsage with the member's trail across its versions, authenticated from the call's metadata", async () => {
    const { calls, seen, grpc } = handlers(principal('AcmeMSP'));
    const metadata = new Metadata();
    metadata.set('authorization', 'Bearer t');
    const answer = (await grpc.GetUsage({ dataset: 'readings', dao_id: 'acme' }, metadata)) as { entries: Array<{ tx_id: string; version: number; outcome: string }> };
    expect(seen).toEqual([metadata]);
    expect(calls).toEqual(['AcmeMSP dao-acme-v1 dao GetUsage readings', 'AcmeMSP dao-acme-v2 dao GetUsage readings']);
    expect(answer.entries.map((e) => [e.tx_id, e.version, e.outcome])).toEqual([
      ['tx1', 1, 'granted'],
      ['tx2', 2, 'failed'],
      ['tx3', 1, 'refused'],
    ]);
    await grpc.GetUsage({ dataset: 'readings', dao_id: 'acme', version: 2 }, metadata);
    expect(calls.slice(2)).toEqual(['AcmeMSP dao-acme-v2 dao GetUsage readings']);
  });

  it('refuses with the statuses and stable codes of the HTTP route, before the peer', async () => {
    const refusal = async (caller: Principal | Error, request: Record<string, unknown>) => {
      const { calls, grpc } = handlers(caller);
      const error = await grpc.GetUsage(request, new Metadata()).then(() => undefined, (e: unknown) => e as { code: string });
      expect(calls).toEqual([]);
      return [grpcStatusOf(error), error?.code];
    };
    expect(await refusal(unauthenticated('missing bearer token'), { dataset: 'readings', dao_id: 'acme' })).toEqual([status.UNAUTHENTICATED, 'UNAUTHENTICATED']);
    expect(await refusal(principal('OtherMSP'), { dataset: 'readings', dao_id: 'acme' })).toEqual([status.PERMISSION_DENIED, 'FORBIDDEN']);
    expect(await refusal(principal('AcmeMSP'), { dataset: '../etc', dao_id: 'acme' })).toEqual([status.INVALID_ARGUMENT, 'INVALID_REQUEST']);
    expect(await refusal(principal('AcmeMSP'), { dataset: 'readings', dao_id: '' })).toEqual([status.INVALID_ARGUMENT, 'INVALID_REQUEST']);
    expect(await refusal(principal('AcmeMSP'), { dataset: 'readings', dao_id: 'acme', version: 0 })).toEqual([status.INVALID_ARGUMENT, 'INVALID_REQUEST']);
    expect(await refusal(principal('AcmeMSP'), { dataset: 'readings', dao_id: 'acme', version: 10000 })).toEqual([status.INVALID_ARGUMENT, 'INVALID_REQUEST']);
    expect(await refusal(principal('AcmeMSP'), { dataset: 'readings', dao_id: 'nowhere' })).toEqual([status.NOT_FOUND, 'VERSION_NOT_FOUND']);
  });

  it("serves gRPC on a member's bridge with its peer and wallet only", () => {
    const config = (settings: Partial<LedgerBridgeServiceConfig['settings']>) => ({ settings }) as LedgerBridgeServiceConfig;
    const fabric = { endpoint: 'localhost:7051', hostAlias: 'peer0', tlsCaFile: '/ca.pem' };
    expect(ledgerBridgeGrpc(config({ member: { mspId: 'AcmeMSP' }, fabric, walletDir: '/w' }))).toBe(LEDGER_BRIDGE_GRPC);
    expect(ledgerBridgeGrpc(config({ fabric, walletDir: '/w' }))).toBeUndefined();
    expect(ledgerBridgeGrpc(config({ member: { mspId: 'AcmeMSP' }, walletDir: '/w' }))).toBeUndefined();
    expect(ledgerBridgeGrpc(config({ member: { mspId: 'AcmeMSP' }, fabric }))).toBeUndefined();
  });
});
