import { enrollClientIdentity, findDomain, memberBridgeGrpcPort, memberServiceUrl, StackError, type EnrolledIdentity, type StackContext } from '@datawell/stack';
import { UsageError } from '../usage-error';

/** What a member's own bridge answered with an error status: the status and its stable code. */
export class MemberBridgeError extends Error {
  override readonly name = 'MemberBridgeError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface MemberBridge {
  readonly mspId: string;
  readonly url: string;
  /** host:port of the bridge's gRPC (datawell.ledgerbridge.v1.LedgerBridge): the domain's slot's fourth port. */
  readonly grpcAddress: string;
  /** The person of the organisation it signs in as (enrolled at the member's own CA, key in its domain). */
  readonly person: EnrolledIdentity;
  /** The bearer token of the person of the organisation (logged in at the bridge's HTTP API on first use), for gRPC metadata. */
  token(): Promise<string>;
  /** A call signed in as the person of the organisation; an answer >= 400 is a MemberBridgeError. */
  call<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T>;
}

/**
 * The member-mode ledger bridge of a member domain of this stack, signed in as a person of the
 * organisation enrolled at its own CA in its domain (`owner`, as the domains scenario enrolls it):
 * whatever goes through it is signed by the member's identity on its own peer, never the operator's.
 * An unknown domain, or the operator's, is bad input.
 */
export async function memberBridge(ctx: StackContext, mspId: string): Promise<MemberBridge> {
  let domain;
  try {
    domain = findDomain(ctx, mspId);
  } catch (error) {
    if (error instanceof StackError) throw new UsageError(error.message);
    throw error;
  }
  if (domain.role === 'operator') throw new UsageError('the operator is not a member of a DAO: name a member domain');
  const url = memberServiceUrl(ctx.settings, domain, 'ledger-bridge');
  const person = await enrollClientIdentity(ctx, domain.mspId, 'owner');
  let token: string | undefined;
  // @datawell/testing only when a command gets that far: its index loads supertest, the Fabric gateway
  // and gRPC clients (~0.3 CPU s at every ./dev start of this group otherwise; docs/stack.md).
  const bearer = async (): Promise<string> => (token ??= await (await import('./testing-lazy')).login(url, person));
  return {
    mspId: domain.mspId,
    url,
    grpcAddress: `127.0.0.1:${memberBridgeGrpcPort(ctx.settings, domain.index)}`,
    person,
    token: bearer,
    async call<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
      const t = await bearer();
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${t}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(120_000),
      });
      const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
      if (!response.ok) throw new MemberBridgeError(response.status, String(answer['code'] ?? response.status), `${domain.mspId}'s bridge: ${response.status} ${String(answer['code'])}: ${String(answer['message'])}`);
      return answer as T;
    },
  };
}

/** The bridge's INVALID_REQUEST is bad input (exit 2); any other refusal a failure of the work (exit 1), one line either way. */
export async function through<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof MemberBridgeError && error.code === 'INVALID_REQUEST') throw new UsageError(error.message);
    throw error;
  }
}
