export { CreateOutboxAndInbox } from './migration';
export { writeOutbox, type OutboxMessage } from './outbox';
export { claimInbox, processOnce } from './inbox';
export { createOutboxRelay, type OutboxPublisher, type OutboxRelayOptions, type WakeOutbox } from './relay';
