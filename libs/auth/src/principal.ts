/** Who is calling: an identity enrolled at the CA of a registered participant organisation, or of the operator. */
export interface Principal {
  readonly mspId: string;
  /** The certificate's common name, the enrollment id at the organisation's CA. */
  readonly enrollmentId: string;
  /** OPERATOR: an identity of the operator's own CA (OperatorMSP), never a participant. */
  readonly role: 'DSP' | 'VSP' | 'OPERATOR';
  /** The certificate's organisational unit is `admin` (Fabric CA's identity type, NodeOUs): an administrator of its organisation. */
  readonly admin?: boolean;
  /**
   * The identity is a workload's, not a person's (its certificate's `datawell.workload` attribute,
   * written by its member's CA): e.g. `mpc-node`. Admitted only on routes marked for workloads.
   */
  readonly workload?: string;
  /** SHA-256 of the certificate's DER, hex: binds signatures made later to this login. */
  readonly certificateFingerprint: string;
}

/** A participant organisation as the ledger registered it, or the operator (from its public MSP). */
export interface DirectoryEntry {
  readonly mspId: string;
  readonly role: 'DSP' | 'VSP' | 'OPERATOR';
  readonly name: string;
  readonly status: string;
  readonly caCertPem: string;
}
