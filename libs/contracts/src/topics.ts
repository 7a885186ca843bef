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
