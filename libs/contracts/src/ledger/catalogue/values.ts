import { X509Certificate } from 'node:crypto';
import { z } from 'zod';

/**
 * The identifiers and values of the ledger vocabulary. The id patterns are defined once, in
 * @datawell/domain (the chaincode's pure rules); this is the place services take them from.
 */
export {
  DAO_ID_PATTERN,
  MSP_ID_PATTERN,
  daoIdSchema,
  digestSchema,
  idSchema,
  integerJsonSchema,
  mspIdSchema,
  nonNegativeInt,
  positiveInt,
  ppmSchema,
  textSchema,
  type IntegerJson,
} from '@datawell/domain';

/** An amount in minor units, as a decimal string (JSON numbers lose precision past 2^53); parsed to a bigint. */
export const amountSchema = z
  .string()
  .regex(/^(0|[1-9]\d{0,29})$/, 'must be a whole number of minor units as a decimal string without leading zeros')
  .transform((s) => BigInt(s));

/** A Fabric transaction id. */
export const txIdSchema = z.string().regex(/^[A-Za-z0-9]{1,128}$/, 'must be a transaction id (letters and digits)');

/** A chaincode's name as deployed on a channel. */
export const chaincodeNameSchema = z.string().regex(/^[a-z0-9][a-z0-9_.+-]{0,99}$/, 'must be a chaincode name');

/** A DAO version's channel, `dao-<d>-v<i>`, with a DAO id and level as the ledger allows them. */
export const daoChannelSchema = z.string().regex(/^dao-[a-z0-9][a-z0-9-]{0,40}-v[1-9]\d{0,3}$/, 'must be a DAO channel name dao-<d>-v<i>');

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
