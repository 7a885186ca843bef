import { readFileSync, statSync } from 'node:fs';
import { inspect } from 'node:util';

/** The only SASL mechanism Datawell's broker offers to clients. */
export const KAFKA_SASL_MECHANISM = 'SCRAM-SHA-512' as const;

/**
 * A Kafka principal's SASL/SCRAM credentials, as the stack tooling writes them
 * (`<stackDir>/kafka/principals/<name>.json`, mode 0600) and every client reads them.
 */
export interface KafkaCredentials {
  readonly mechanism: typeof KAFKA_SASL_MECHANISM;
  readonly username: string;
  /** Never log it: toJSON, toString and util.inspect mask it. */
  readonly password: string;
}

/** A principal name Kafka and its tools take as is: no '=' or ',' (SCRAM escapes), no spaces or quotes. */
const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/** Why a credentials file cannot be used; the message never holds the password. */
export class KafkaCredentialsError extends Error {
  override readonly name = 'KafkaCredentialsError';
  readonly code = 'KAFKA_CREDENTIALS_INVALID' as const;
}

/** Credentials whose password stays out of logs, JSON dumps and console output. */
export function kafkaCredentials(username: string, password: string): KafkaCredentials {
  const masked = () => ({ mechanism: KAFKA_SASL_MECHANISM, username, password: '***' });
  const credentials: KafkaCredentials = { mechanism: KAFKA_SASL_MECHANISM, username, password };
  Object.defineProperties(credentials, {
    toJSON: { value: masked, enumerable: false },
    toString: { value: () => JSON.stringify(masked()), enumerable: false },
    [inspect.custom]: { value: masked, enumerable: false },
  });
  return Object.freeze(credentials);
}

/** Parses the text of a credentials file: `{"mechanism": "SCRAM-SHA-512", "username": …, "password": …}`. */
export function parseKafkaCredentials(text: string): KafkaCredentials {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new KafkaCredentialsError('is not JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new KafkaCredentialsError('is not a JSON object');
  const { mechanism, username, password } = value as Record<string, unknown>;
  if (mechanism !== KAFKA_SASL_MECHANISM) throw new KafkaCredentialsError(`has mechanism ${JSON.stringify(mechanism)}; only "${KAFKA_SASL_MECHANISM}" is supported`);
  if (typeof username !== 'string' || !USERNAME.test(username)) throw new KafkaCredentialsError('needs a username of letters, digits, ".", "_" and "-"');
  if (typeof password !== 'string' || password.length < 16) throw new KafkaCredentialsError('needs a password of at least 16 characters');
  return kafkaCredentials(username, password);
}

/**
 * Reads a credentials file. Refuses one that other users may read (group or world permission bits):
 * a password readable by others is no longer a principal's secret.
 */
export function readKafkaCredentialsFile(file: string): KafkaCredentials {
  let text: string;
  let mode: number;
  try {
    mode = statSync(file).mode;
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new KafkaCredentialsError(`cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if ((mode & 0o077) !== 0) throw new KafkaCredentialsError(`${file} may be read by other users (mode ${(mode & 0o777).toString(8)}); chmod 600 it`);
  try {
    return parseKafkaCredentials(text);
  } catch (error) {
    throw new KafkaCredentialsError(`${file} ${(error as Error).message}`);
  }
}
