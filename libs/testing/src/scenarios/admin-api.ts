import { OPERATOR_MSP } from '@datawell/contracts';
import type { StackContext } from '@datawell/stack';
import { apiClient, stackAdminIdentity, type ApiClient } from '../identity/api-client';
import type { SignedAgreement } from './agreement';

/** The operator's network administration, as the ledger bridge offers it (over HTTP, or in-process in tests). */
export interface AdminApi {
  onboard(participant: { mspId: string; role: string; name: string }): Promise<unknown>;
  /** The agreement with its members' signatures: the dao chaincode verifies them. */
  createVersion(signed: SignedAgreement): Promise<unknown>;
  /** Read by `memberMspId`, a member of the version. */
  entitlements(daoId: string, version: number, memberMspId: string): Promise<{ mspId: string; amount: string }[]>;
  /** Read by `memberMspId`, a member of the channel. */
  members(channel: string, memberMspId: string): Promise<string[]>;
}

/**
 * The ledger bridge's admin endpoints over HTTP: administration as the operator's administrator,
 * a version's entitlements and a channel's members as the member named (its stack-held admin).
 */
export function httpAdminApi(bridgeUrl: string, ctx: StackContext): AdminApi {
  const clients = new Map<string, ApiClient>();
  const as = (mspId: string) => {
    let client = clients.get(mspId);
    if (!client) clients.set(mspId, (client = apiClient(bridgeUrl, () => stackAdminIdentity(ctx, mspId))));
    return client;
  };
  const operator = as(OPERATOR_MSP);
  return {
    onboard: (participant) => operator.call('/admin/participants', { method: 'POST', body: participant }),
    createVersion: (signed) => operator.call('/admin/dao-versions', { method: 'POST', body: signed }),
    entitlements: (daoId, version, member) => as(member).call(`/admin/daos/${daoId}/versions/${version}/entitlements`),
    members: async (channel, member) => (await as(member).call<{ members: string[] }>(`/admin/channels/${channel}/members`)).members,
  };
}
