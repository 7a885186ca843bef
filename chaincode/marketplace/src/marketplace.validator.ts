import { X509Certificate } from 'node:crypto';
import { digestSchema, idSchema, integerJsonSchema, mspIdSchema, positiveInt, textSchema, z } from '@datawell/chaincode-common';

/** The operator's MSP: the only one that admits participants. */
export const OPERATOR_MSP = 'OperatorMSP';

const PEM_CERTIFICATE = /^-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----\r?\n?$/;

/**
 * One PEM certificate of a certificate authority (the organisation's CA, which its identities chain
 * to). Parsing it is deterministic, so every endorser accepts or rejects the same bytes.
 */
export const caCertificateSchema = z
  .string()
  .max(8192, 'must be at most 8 KiB')
  .regex(PEM_CERTIFICATE, 'must be one PEM certificate (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----)')
  .superRefine((pem, ctx) => {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(pem);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'is not a readable X.509 certificate' });
      return;
    }
    if (!cert.ca) ctx.addIssue({ code: 'custom', message: 'is not a CA certificate (basicConstraints CA:TRUE)' });
  });

export const participantSchema = z.strictObject({
  mspId: mspIdSchema,
  role: z.enum(['DSP', 'VSP']),
  name: textSchema(128),
  /** The organisation's CA certificate: services check enrolled identities against it. */
  caCertPem: caCertificateSchema,
});

const offerTerms = z.record(z.string().max(128), integerJsonSchema);

export const offerSchema = z.strictObject({
  offerId: idSchema,
  /** data: a DSP's dataset; value: a VSP's service. */
  kind: z.enum(['data', 'value']),
  title: textSchema(200),
  terms: offerTerms,
  /** SHA-256 of the full description, which is kept off-chain. */
  descriptionDigest: digestSchema,
});

export const offerUpdateSchema = z
  .strictObject({ offerId: idSchema, title: textSchema(200).optional(), terms: offerTerms.optional(), descriptionDigest: digestSchema.optional() })
  .refine((u) => u.title !== undefined || u.terms !== undefined || u.descriptionDigest !== undefined, 'must change at least one of title, terms, descriptionDigest');

export const daoEntrySchema = z.strictObject({
  daoId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, 'must be 1-41 lower-case letters, digits or "-"'),
  name: textSchema(128),
  summary: textSchema(1024),
  /** The latest version i: its channel is dao-<daoId>-v<i>. */
  version: positiveInt.max(9999),
  members: z.array(mspIdSchema).min(2, 'a DAO has at least a DSP and a VSP').max(256),
  status: z.enum(['active', 'dissolved']),
});

export const feedbackSchema = z.strictObject({
  daoId: daoEntrySchema.shape.daoId,
  target: mspIdSchema,
  rating: z.number().int('must be a whole number').min(1, 'must be 1 to 5').max(5, 'must be 1 to 5'),
  /** SHA-256 of the comment, which is kept off-chain. */
  commentDigest: digestSchema,
});

export { mspIdSchema, idSchema };
