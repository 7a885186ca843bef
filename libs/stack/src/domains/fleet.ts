import { chownSync } from 'node:fs';
import { join } from 'node:path';
import { createKafka, type KafkaCredentials } from '@datawell/config';
import { memberTopicPrefix } from '@datawell/contracts';
import type { StackContext } from '../components/component';
import { createTopicsLed } from '../components/kafka';
import { ensureFleetPrincipal, fleetPrincipal, kafkaBrokers } from '../components/kafka-principals';
import { StackError } from '../errors';
import { osUser } from '../os-user';
import { domainPaths } from './domain';
import { findDomain, memberKafkaCredentials } from './domains';

/** A label of a dataset's readings topic, e.g. a DAO id (letters, digits, '_', '-'; at most 100). */
export const READINGS_LABEL_PATTERN = /^[A-Za-z0-9_-]{1,100}$/;
/** A fleet's name (letters, digits, '_', '-'; at most 60): its principal is `fleet-<DSP>-<name>`. */
export const FLEET_NAME_PATTERN = /^[A-Za-z0-9_-]{1,60}$/;

/**
 * A topic of a DSP's own readings, `datawell.member.<DSP>.<label>-readings.v1`: under the DSP's prefix
 * (only its principals read it), and a readings topic (libs/contracts trafficSealedBy), whose values
 * the fleet seals to the MPC node itself. One per dataset: a node refuses a topic holding readings
 * sealed to another node, so two DAOs of the DSP never share one.
 */
export function datasetReadingsTopic(dspMspId: string, label: string): string {
  if (!READINGS_LABEL_PATTERN.test(label)) throw new StackError('BAD_SETTING', `a readings topic's label is letters, digits, '_' or '-' (got "${label}")`, 'kafka');
  return `${memberTopicPrefix(dspMspId)}${label}-readings.v1`;
}

export interface DomainFleet {
  /** The topic its sensors write to. */
  readonly topic: string;
  /** The fleet's Kafka principal: WRITE and DESCRIBE on that topic, nothing else. */
  readonly principal: string;
  /** Its credentials: in the DSP domain's secrets folder, mode 0600, the domain user's (never the operator's folder). */
  readonly credentialsFile: string;
  readonly credentials: KafkaCredentials;
  readonly brokers: string[];
}

/**
 * An IoT producer fleet of a DSP's domain for one readings topic: the topic, created by the DSP's own
 * principal (its prefix is its to create); the fleet's principal, allowed to write there only; its
 * credentials kept in the DSP's domain, for the DSP to hand to its sensors. Idempotent: a fleet used
 * for several topics keeps its password and gains each topic's ACL.
 */
export async function ensureDomainFleet(ctx: StackContext, dspMspId: string, topic: string, fleet = 'sensors'): Promise<DomainFleet> {
  if (!FLEET_NAME_PATTERN.test(fleet)) throw new StackError('BAD_SETTING', `a fleet's name is letters, digits, '_' or '-' (got "${fleet}")`, 'kafka');
  const d = findDomain(ctx, dspMspId);
  if (d.role !== 'DSP') throw new StackError('BAD_SETTING', `${dspMspId} is not a DSP's domain: only a data owner has sensor fleets`, 'kafka');
  const owner = createKafka({ clientId: `datawell-stack-${dspMspId}`, brokers: kafkaBrokers(ctx), sasl: await memberKafkaCredentials(ctx, dspMspId), retries: 2 }).admin();
  await owner.connect();
  try {
    await createTopicsLed(owner, [topic]);
  } finally {
    await owner.disconnect();
  }
  const credentialsFile = join(domainPaths(ctx.settings, d.name).secrets, `fleet-${fleet}.json`);
  const credentials = await ensureFleetPrincipal(ctx, dspMspId, fleet, { file: credentialsFile, topic });
  const { uid, gid } = osUser(d.osUser);
  chownSync(credentialsFile, uid, gid);
  ctx.progress.step('kafka', `fleet ${fleet} of ${dspMspId} writes sealed readings to ${topic} (credentials ${credentialsFile})`);
  return { topic, principal: fleetPrincipal(dspMspId, fleet), credentialsFile, credentials, brokers: kafkaBrokers(ctx) };
}
