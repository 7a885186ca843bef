import { connectGateway, submitTransaction, type GatewayConnection, type SubmitOptions } from '@datawell/fabric';
import type { Wallet } from '../wallet/wallet.adapter';
import type { FabricAdmin } from './fabric-admin.adapter';

/** Submit and evaluate as an organisation, through its own peer's gateway (it is a member of the channel). */
export interface OrgLedger {
  submit(mspId: string, channel: string, chaincode: string, fn: string, args: readonly string[], options?: Pick<SubmitOptions, 'endorsingOrganizations'>): Promise<{ txId: string; result: string }>;
  evaluate(mspId: string, channel: string, chaincode: string, fn: string, args: readonly string[]): Promise<string>;
  close(): void;
}

export class GatewayOrgLedger implements OrgLedger {
  readonly #connections = new Map<string, GatewayConnection>();

  constructor(
    private readonly fabric: FabricAdmin,
    private readonly wallet: Wallet,
  ) {}

  async #gateway(mspId: string) {
    let connection = this.#connections.get(mspId);
    if (!connection) {
      connection = connectGateway(this.fabric.peerOf(mspId), await this.wallet.get(mspId));
      this.#connections.set(mspId, connection);
    }
    return connection.gateway;
  }

  async submit(mspId: string, channel: string, chaincode: string, fn: string, args: readonly string[], options: Pick<SubmitOptions, 'endorsingOrganizations'> = {}) {
    const { txId, result } = await submitTransaction((await this.#gateway(mspId)).getNetwork(channel), chaincode, fn, args, options);
    return { txId, result: Buffer.from(result).toString('utf8') };
  }

  async evaluate(mspId: string, channel: string, chaincode: string, fn: string, args: readonly string[]) {
    const contract = (await this.#gateway(mspId)).getNetwork(channel).getContract(chaincode);
    return Buffer.from(await contract.evaluateTransaction(fn, ...args)).toString('utf8');
  }

  close(): void {
    for (const c of this.#connections.values()) c.close();
    this.#connections.clear();
  }
}
