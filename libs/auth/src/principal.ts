/** Who is calling: an identity enrolled at the CA of a registered participant organisation. */
export interface Principal {
  readonly mspId: string;
  /** The certificate's common name, the enrollment id at the organisation's CA. */
  readonly enrollmentId: string;
  readonly role: 'DSP' | 'VSP';
  /** SHA-256 of the certificate's DER, hex: binds signatures made later to this login. */
  readonly certificateFingerprint: string;
}

/** A participant organisation as the ledger registered it. */
export interface DirectoryEntry {
  readonly mspId: string;
  readonly role: 'DSP' | 'VSP';
  readonly name: string;
  readonly status: string;
  readonly caCertPem: string;
}
