export { TOPICS, type TopicName } from './topics';
export { ContractValidationError, type ContractIssue } from './errors';
export { parseContract } from './validate';
export {
  buildCloudEvent,
  cloudEventSchema,
  decodeCloudEvent,
  parseCloudEvent,
  peekCloudEvent,
  type CloudEvent,
  type CloudEventRemains,
  type CloudEventInput,
} from './cloudevent';
export { ledgerEventId, parseLedgerEventId, type LedgerEventPosition } from './ledger/event-id';
export { daoChannelName, MARKETPLACE_CHANNEL, parseDaoChannel } from './ledger/channels';
export {
  LEDGER_EVENT_TYPE,
  ledgerEventCloudEvent,
  ledgerEventIdOf,
  ledgerEventKey,
  ledgerEventSchema,
  toLedgerEvent,
  type LedgerEvent,
  type RawChaincodeEvent,
} from './ledger/ledger-event.v1';
export {
  allocationPayoutsPayloadSchema,
  daoMemberPayloadSchema,
  decodeLedgerEvent,
  infrastructureProvisionedPayloadSchema,
  memberLeftPayloadSchema,
  provisionedMpcNodeSchema,
  versionCreatedPayloadSchema,
  workloadRegisteredPayloadSchema,
  type AllocationPayoutsPayload,
  type InfrastructureProvisionedPayload,
  type MemberLeftPayload,
  type ProvisionedMpcNode,
  type VersionCreatedPayload,
  type WorkloadRegisteredPayload,
} from './ledger/dao-events';
export { LEDGER_COMMAND_TYPE, ledgerCommandCloudEvent, ledgerCommandSchema, type LedgerCommand } from './ledger/ledger-command.v1';
export {
  LEDGER_RECEIPT_TYPE,
  ledgerReceiptCloudEvent,
  ledgerReceiptId,
  ledgerReceiptSchema,
  type LedgerReceipt,
} from './ledger/ledger-receipt.v1';
export {
  ALLOCATING_EVENTS,
  ALLOCATION_RECEIVED,
  allocatingEventSchema,
  allocationCommandId,
  DAO_CHAINCODE,
  levelAllocationSchema,
  REVENUE_RECORDED,
  type AllocationRelay,
  type LevelAllocation,
} from './ledger/allocation';
export {
  HEARTBEAT_TYPE,
  heartbeatCloudEvent,
  heartbeatMessageSchema,
  heartbeatSigningBytes,
  signedHeartbeatSchema,
  signHeartbeat,
  verifyHeartbeatSignature,
  type HeartbeatMessage,
  type SignedHeartbeat,
} from './telemetry/heartbeat.v1';
export { AGREEMENT_REACHED_TYPE, agreementReachedCloudEvent, agreementReachedSchema, type AgreementReached } from './negotiation/agreement-reached.v1';
export {
  NETWORK_COMMAND_TYPE,
  NETWORK_EVENT_TYPE,
  networkCommandCloudEvent,
  networkCommandSchema,
  networkEventCloudEvent,
  networkEventSchema,
  type NetworkCommand,
  type NetworkEvent,
} from './network/network.v1';
export type { MpcMeshMember, WorkloadConfig } from './workloads/workload-config';
export { mpcNodeEnvironment, parseMpcNodeEnvironment, type DatasetSource, type EnvIssue, type HeartbeatSettings, type MpcNodeJob, type MpcNodeSettings } from './workloads/mpc-node-env';
