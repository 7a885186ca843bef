/** Kafka topics between services. The suffix is the message schema's major version. */
export const TOPICS = {
  /** Chaincode events of every channel, relayed by the ledger bridge. Key: DAO id (or channel). */
  ledgerEvents: 'datawell.ledger.events.v1',
  /** Transactions to submit on a channel as a named organisation. Key: channel. */
  ledgerCommands: 'datawell.ledger.commands.v1',
  /** The outcome of each ledger command. Key: command id. */
  ledgerReceipts: 'datawell.ledger.receipts.v1',
} as const;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];
