import { readFileSync } from 'node:fs';
import { connectGateway, type GatewayConnection, type GatewayEndpoint } from '@datawell/fabric';
import type { Gateway } from '@hyperledger/fabric-gateway';
import type { Wallet } from '../wallet/wallet.adapter';

/** The bridge's peer, as configured. */
export interface PeerSettings {
  readonly endpoint: string;
  readonly hostAlias: string;
  readonly tlsCaFile: string;
}

/**
 * Where an organisation's own peer is. A DAO channel's members do not include the operator, so the
 * bridge acting as a DAO's DSP must go through the DSP's peer, not the operator's.
 */
export type PeerDirectory = (mspId: string) => GatewayEndpoint | undefined;

/**
 * One Gateway connection per organisation the bridge acts as, opened on first use with that
 * organisation's identity from the wallet, to that organisation's peer when the directory knows it
 * (else the configured peer). gRPC reconnects by itself when the peer comes back.
 */
export class Gateways {
  readonly #connections = new Map<string, Promise<GatewayConnection>>();
  readonly #peer: GatewayEndpoint;

  constructor(
    peer: PeerSettings,
    private readonly wallet: Wallet,
    private readonly directory: PeerDirectory = () => undefined,
  ) {
    this.#peer = { endpoint: peer.endpoint, hostAlias: peer.hostAlias, tlsCaPem: readFileSync(peer.tlsCaFile, 'utf8') };
  }

  async for(mspId: string): Promise<Gateway> {
    let connection = this.#connections.get(mspId);
    if (!connection) {
      connection = this.wallet.get(mspId).then((identity) => connectGateway(this.directory(mspId) ?? this.#peer, identity));
      this.#connections.set(mspId, connection);
      // A missing identity is not cached: it may be added to the wallet later.
      connection.catch(() => this.#connections.delete(mspId));
    }
    return (await connection).gateway;
  }

  async close(): Promise<void> {
    const all = [...this.#connections.values()];
    this.#connections.clear();
    for (const connection of await Promise.allSettled(all)) {
      if (connection.status === 'fulfilled') connection.value.close();
    }
  }
}
