import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadGrpcService } from '@datawell/service-platform';
import { REPO_DIR } from '../context';
import { UsageError } from '../usage-error';
import type { UsageEntry, UsageOptions, UsageTrailAnswer } from './usage-trail';

/** The contract the member bridges serve (services/ledger-bridge/src/grpc), loaded as they load it. */
export const LEDGER_BRIDGE_PROTO = join(REPO_DIR, 'libs', 'contracts', 'proto', 'ledger_bridge.proto');
export const LEDGER_BRIDGE_SERVICE = 'datawell.ledgerbridge.v1.LedgerBridge';

type Message = Record<string, unknown>;

/** A checked command line (see usagePath) as a datawell.ledgerbridge.v1.GetUsageRequest. */
export function usageRequest(o: UsageOptions): Message {
  return { dataset: o.dataset, dao_id: o.dao, ...(o.version === undefined ? {} : { version: Number(o.version) }) };
}

/** A proto3 `optional` as the route has it: absent when unset (the loader gives null or leaves it out). */
function optional<K extends string>(name: K, value: unknown, as: (v: unknown) => unknown = (v) => v): Partial<Record<K, unknown>> {
  return value === undefined || value === null ? {} : ({ [name]: as(value) } as Record<K, unknown>);
}

/** A datawell.ledgerbridge.v1.UsageTrail as the HTTP route answers it (`{daoId, dataset, entries}`, camelCase, numbers). */
export function trailOfMessage(m: Message): UsageTrailAnswer {
  const entries = ((m['entries'] as Message[] | undefined) ?? []).map((e): UsageEntry => {
    const requester = (e['requester'] ?? {}) as Message;
    const dataset = (e['dataset'] ?? {}) as Message;
    return {
      usageId: String(e['usage_id']),
      dataset: { owner: String(dataset['owner']), name: String(dataset['name']) },
      requester: { mspId: String(requester['msp_id']), ...optional('enrollmentId', requester['enrollment_id']) },
      computation: String(e['computation']),
      parametersDigest: String(e['parameters_digest']),
      recipients: ((e['recipients'] as unknown[] | undefined) ?? []).map(String),
      outcome: e['outcome'] as UsageEntry['outcome'],
      ...optional('rows', e['rows'], Number),
      ...optional('resultDigest', e['result_digest']),
      ...optional('check', e['check']),
      ...optional('failure', e['failure']),
      recordedBy: String(e['recorded_by']),
      atMs: Number(e['at_ms']),
      txId: String(e['tx_id']),
      version: Number(e['version']),
      channel: String(e['channel']),
    } as UsageEntry;
  });
  return { daoId: String(m['dao_id']), dataset: String(m['dataset']), entries };
}

/**
 * What a refused call says: the stable code (trailing metadata `datawell-code`, or the gRPC status
 * name when the bridge sent none, e.g. UNAVAILABLE) and the message. The bridge's INVALID_REQUEST is
 * bad input (exit 2), as on the HTTP path; anything else a failure (exit 1).
 */
export function grpcFailure(who: string, error: grpc.ServiceError): Error {
  const code = error.metadata?.get('datawell-code')[0]?.toString() ?? grpc.status[error.code] ?? String(error.code);
  const message = `${who}'s bridge (gRPC): ${code}: ${error.details || error.message}`;
  return code === 'INVALID_REQUEST' ? new UsageError(message) : new Error(message);
}

type Unary = (r: Message, m: grpc.Metadata, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, v?: Message) => void) => void;
/** The unary methods of datawell.ledgerbridge.v1.LedgerBridge this CLI calls. */
export interface BridgeGrpcClient {
  GetUsage: Unary;
  GetTransfer: Unary;
}

/** One unary call of the bridge's gRPC at `address` (host:port), picked by `method`, the bearer token in the call's metadata; a refusal as grpcFailure. */
export async function callBridgeGrpc(who: string, address: string, token: string, method: (client: BridgeGrpcClient) => Unary, request: Message, timeoutMs = 120_000): Promise<Message> {
  const Client = grpc.makeGenericClientConstructor(loadGrpcService(LEDGER_BRIDGE_PROTO, LEDGER_BRIDGE_SERVICE), 'LedgerBridge');
  const client = new Client(address, grpc.credentials.createInsecure()) as unknown as grpc.Client & BridgeGrpcClient;
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  try {
    const call = method(client);
    return await new Promise<Message>((resolve, reject) =>
      call.call(client, request, metadata, { deadline: Date.now() + timeoutMs }, (e, v) => (e ? reject(grpcFailure(who, e)) : resolve(v ?? {}))),
    );
  } finally {
    client.close();
  }
}

/** GetUsage on the bridge's gRPC at `address` (host:port), the bearer token in the call's metadata. */
export async function getUsageOverGrpc(who: string, address: string, token: string, request: Message, timeoutMs = 120_000): Promise<UsageTrailAnswer> {
  return trailOfMessage(await callBridgeGrpc(who, address, token, (c) => c.GetUsage, request, timeoutMs));
}
