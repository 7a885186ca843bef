import { z } from 'zod';
import { parseContract } from './validate';

/**
 * A CloudEvents 1.0 envelope in structured JSON mode. Every message between Datawell services is one;
 * `id` is unique per `source`, and consumers deduplicate by it.
 */
export interface CloudEvent<T = unknown> {
  readonly specversion: '1.0';
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly time: string;
  readonly subject?: string;
  readonly datacontenttype: 'application/json';
  readonly data: T;
}

const nonEmpty = z.string().min(1, 'must not be empty');

export const cloudEventSchema = z.object({
  specversion: z.literal('1.0'),
  id: nonEmpty,
  source: nonEmpty,
  type: nonEmpty,
  time: z.iso.datetime({ offset: true, message: 'must be an RFC 3339 timestamp' }),
  subject: nonEmpty.optional(),
  datacontenttype: z.literal('application/json'),
  data: z.unknown(),
});

export interface CloudEventInput<T> {
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly data: T;
  readonly subject?: string;
  /** Defaults to now; pass the ledger's timestamp where one exists so rebuilt events are identical. */
  readonly time?: Date | string;
}

/** Builds an envelope and checks it, so a malformed one is never written to an outbox. */
export function buildCloudEvent<T>(input: CloudEventInput<T>): CloudEvent<T> {
  const time = input.time === undefined ? new Date().toISOString() : new Date(input.time).toISOString();
  const event: CloudEvent<T> = {
    specversion: '1.0',
    id: input.id,
    source: input.source,
    type: input.type,
    time,
    ...(input.subject === undefined ? {} : { subject: input.subject }),
    datacontenttype: 'application/json',
    data: input.data,
  };
  parseContract('CloudEvent', cloudEventSchema, event);
  return event;
}

/**
 * Validates an envelope and its data. `type` narrows to one event type; anything else is a
 * ContractValidationError, as is data that does not match `dataSchema`.
 */
export function parseCloudEvent<S extends z.ZodType>(
  value: unknown,
  type: string,
  dataSchema: S,
): CloudEvent<z.output<S>> {
  const envelope = parseContract('CloudEvent', cloudEventSchema.extend({ type: z.literal(type) }), value);
  const data = parseContract(type, dataSchema, envelope.data);
  return { ...envelope, data } as CloudEvent<z.output<S>>;
}

/** Parses a Kafka message value (UTF-8 JSON) as an envelope of `type`. */
export function decodeCloudEvent<S extends z.ZodType>(
  bytes: Buffer | string | null,
  type: string,
  dataSchema: S,
): CloudEvent<z.output<S>> {
  let json: unknown;
  try {
    json = JSON.parse(bytes === null ? '' : bytes.toString());
  } catch {
    return parseContract('CloudEvent', z.never({ message: 'message value is not JSON' }), bytes);
  }
  return parseCloudEvent(json, type, dataSchema);
}

/** What can still be read from a message value that failed validation: its id and data fields, if any. */
export interface CloudEventRemains {
  readonly id: string | undefined;
  readonly data: Readonly<Record<string, unknown>>;
  /** A non-empty string field of `data`, or undefined. */
  text(key: string): string | undefined;
}

/**
 * Reads a message value leniently (never throws), so a consumer can answer an invalid message by the
 * id it carries; a value that is not JSON, or has no object `data`, yields no id and empty data.
 */
export function peekCloudEvent(bytes: Buffer | string | null): CloudEventRemains {
  let envelope: unknown;
  try {
    envelope = JSON.parse(bytes === null ? '' : bytes.toString());
  } catch {
    envelope = undefined;
  }
  const fields = envelope !== null && typeof envelope === 'object' ? (envelope as Record<string, unknown>) : {};
  const data = fields['data'] !== null && typeof fields['data'] === 'object' ? (fields['data'] as Record<string, unknown>) : {};
  const id = typeof fields['id'] === 'string' && fields['id'] !== '' ? fields['id'] : undefined;
  return { id, data, text: (key) => (typeof data[key] === 'string' && data[key] !== '' ? data[key] : undefined) };
}
