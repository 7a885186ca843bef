/**
 * A member's MPC node identity (trust domains, issue 12): the TLS key and certificate of one node,
 * issued by the member's own CA (its Fabric CA, whose root is in the member's MSP as the channel knows
 * it), in the node's folder. The key never leaves the member's domain.
 */
export interface NodeIdentity {
  /** PEM files in the node's folder (the key mode 0600). */
  readonly certFile: string;
  readonly keyFile: string;
  /** The issuing CA's certificate (the member's MSP root). */
  readonly caFile: string;
  readonly certificatePem: string;
  readonly caCertificatePem: string;
}

/** Issues (or reuses, while valid for 30 days more) the identity of the node whose folder is `dir`. */
export interface NodeIdentityIssuer {
  issue(dir: string, name: string): Promise<NodeIdentity>;
}

/** Member mode: what the provisioner needs to run its member's MPC nodes in the member's domain. */
export interface MemberMeshOptions {
  readonly issuer: NodeIdentityIssuer;
  /** The CA whose certificates may call a node's control API (the coordinator's, public). */
  readonly coordinatorCaFile: string;
  /** The certificate CNs allowed to call a node's control API (the coordinator's). */
  readonly controlClientNames: readonly string[];
  readonly otExtension?: string;
  /** The member's own ledger bridge: its nodes read their ledger view there before taking part in a computation. */
  readonly ledgerUrl?: string;
  /** The operator's MPC coordinator: its nodes register themselves there with their own identities (MPC_NODE_COORDINATOR_URL). */
  readonly coordinatorUrl?: string;
}
