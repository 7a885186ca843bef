import { createPrivateKey } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { connect, signers, type Gateway } from '@hyperledger/fabric-gateway';

export interface GatewayIdentity {
  readonly mspId: string;
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

export interface GatewayEndpoint {
  /** host:port of the peer's gRPC endpoint */
  readonly endpoint: string;
  /** the host name in the peer's TLS certificate */
  readonly hostAlias: string;
  readonly tlsCaPem: string;
}

export interface GatewayConnection {
  readonly gateway: Gateway;
  close(): void;
}

/**
 * Connects to a peer's Fabric Gateway as an enrolled identity: TLS to the peer, every proposal
 * and transaction signed with the identity's own key.
 */
export function connectGateway(peer: GatewayEndpoint, identity: GatewayIdentity): GatewayConnection {
  const client = new grpc.Client(peer.endpoint, grpc.credentials.createSsl(Buffer.from(peer.tlsCaPem)), {
    'grpc.ssl_target_name_override': peer.hostAlias,
  });
  const gateway = connect({
    client,
    identity: { mspId: identity.mspId, credentials: Buffer.from(identity.certificatePem) },
    signer: signers.newPrivateKeySigner(createPrivateKey(identity.privateKeyPem)),
    // A first call also sets up the connection (name resolution, TLS): on a loaded machine 5 s was
    // too little for it (a CI rehearsal at load 41 timed out onboarding on a read), so reads get as
    // long as endorsements.
    evaluateOptions: () => ({ deadline: Date.now() + 15000 }),
    endorseOptions: () => ({ deadline: Date.now() + 15000 }),
    submitOptions: () => ({ deadline: Date.now() + 5000 }),
    commitStatusOptions: () => ({ deadline: Date.now() + 60000 }),
  });
  return {
    gateway,
    close() {
      gateway.close();
      client.close();
    },
  };
}
