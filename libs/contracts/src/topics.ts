/** Kafka topics between services. The suffix is the message schema's major version. */
export const TOPICS = {
  /** Chaincode events of every channel, relayed by the ledger bridge. Key: DAO id (or channel). */
  ledgerEvents: 'datawell.ledger.events.v1',
  /** Transactions to submit on a channel as a named organisation. Key: channel. */
  ledgerCommands: 'datawell.ledger.commands.v1',
  /** The outcome of each ledger command. Key: command id. */
  ledgerReceipts: 'datawell.ledger.receipts.v1',
  /** Network administration asked of the ledger bridge (onboarding, enrollment). Key: MSP id. */
  networkCommands: 'datawell.network.commands.v1',
  /** What the ledger bridge did with each network command or agreement. Key: MSP id or DAO id. */
  networkEvents: 'datawell.network.events.v1',
  /** Agreements accepted and signed by every party, to be formed into a DAO version. Key: DAO id. */
  agreements: 'datawell.negotiation.agreements.v1',
  /** Signed heartbeats and metrics of running workloads. Key: workload id. */
  telemetry: 'datawell.infra.telemetry.v1',
} as const;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

/**
 * Everything of one member's domain that goes through the operator's Kafka lives under this prefix:
 * its channels' events, the commands its bridge submits and their receipts. The broker's ACLs give a
 * member's principals, and only them, the topics and consumer groups with its prefix.
 */
export function memberTopicPrefix(mspId: string): string {
  return `datawell.member.${mspId}.`;
}

/** A member domain's own ledger topics (the member-mode ledger bridge's defaults). */
export function memberLedgerTopics(mspId: string): { readonly events: string; readonly commands: string; readonly receipts: string } {
  const prefix = memberTopicPrefix(mspId);
  return { events: `${prefix}ledger.events.v1`, commands: `${prefix}ledger.commands.v1`, receipts: `${prefix}ledger.receipts.v1` };
}

/**
 * A member domain's workloads' signed heartbeats, which its own telemetry folds (sealed with the
 * domain's traffic key like every topic under its prefix). Key: workload id.
 */
export function memberHeartbeatsTopic(mspId: string): string {
  return `${memberTopicPrefix(mspId)}telemetry.heartbeats.v1`;
}

/**
 * A member domain's inbox: what the operator's bridge tells that member's bridge (a channel it was
 * admitted to or formed with). The broker lets the operator write there and only that member read.
 */
export const INBOX_PREFIX = 'datawell.inbox.';

export function memberInboxTopic(mspId: string): string {
  return `${INBOX_PREFIX}${mspId}.v1`;
}

const MEMBER_TOPIC = /^datawell\.member\.([A-Za-z][A-Za-z0-9]{0,40}MSP)\.(.+)$/;
/** A dataset's readings (`readings.v1`, `<name>-readings.v1`): HPKE-sealed to the MPC node end to end by their producers (libs/iot). */
const READINGS = /^(?:[A-Za-z0-9_-]+-)?readings\.v\d+$/;

/**
 * The member whose domain key seals a topic's traffic, or undefined for a topic that is not sealed:
 * every topic under `datawell.member.<MSP>.` carries values sealed with that domain's traffic key
 * (createKafka in @datawell/config seals and opens them), except a dataset's readings topics, whose
 * values the sensor fleets seal to the MPC node themselves (they hold no domain key).
 */
export function trafficSealedBy(topic: string): string | undefined {
  const match = MEMBER_TOPIC.exec(topic);
  if (!match || READINGS.test(match[2]!)) return undefined;
  return match[1];
}
