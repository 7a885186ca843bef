import { z } from 'zod';
import { blankToUndefined } from './extension';

/**
 * Schemas of the kinds of variable services read, so each kind is parsed and explained one way.
 * Blank means unset; surrounding spaces are dropped.
 */

/** Text with a default. */
export function textVariable(defaultValue: string) {
  return z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : defaultValue), z.string());
}

/** Text that may be unset. */
export const optionalTextVariable = z.preprocess(blankToUndefined, z.string().trim().optional());

const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;
const GROUP_ID = /^[A-Za-z0-9._-]{1,200}$/;

/** A Kafka topic name, with its default. */
export function topicVariable(defaultValue: string) {
  return textVariable(defaultValue).refine((t) => TOPIC.test(t), 'must be a Kafka topic name');
}

/** A Kafka topic name that may be unset (the service then picks its default). */
export const optionalTopicVariable = optionalTextVariable.refine((t) => t === undefined || TOPIC.test(t), 'must be a Kafka topic name');

/** A Kafka consumer group id, with its default. */
export function groupIdVariable(defaultValue: string) {
  return textVariable(defaultValue).refine((g) => GROUP_ID.test(g), 'must be a Kafka group id');
}

/** Whether a switch's raw value turns it on: `true` or `1`, in any case, around blanks. */
export function flagIsOn(raw: string | undefined): boolean {
  const v = raw?.trim().toLowerCase();
  return v === 'true' || v === '1';
}

/** A switch, off unless set to `true` (or `1`); anything else but `false`, `0` or blank is refused. */
export const flagVariable = z.preprocess(
  (v) => (typeof v === 'string' ? v.trim().toLowerCase() : v),
  z
    .union([z.undefined(), z.literal(''), z.enum(['true', 'false', '1', '0'])], { error: 'must be true or false' })
    .transform((v) => flagIsOn(v)),
);
