export { CreateOutboxAndInbox } from './migration';
export { writeOutbox, type OutboxMessage } from './outbox';
export { claimInbox, processOnce } from './inbox';
export { OutboxRelay, type OutboxRelayOptions } from './relay';
