export { INBOX_PREFIX, memberHeartbeatsTopic, memberInboxTopic, memberLedgerTopics, memberTopicPrefix, trafficSealedBy, TOPICS, type TopicName } from './topics';
export { chaincodeDefinitionSchema, MEMBER_INBOX_TYPE, memberInboxCloudEvent, memberInboxSchema, type ChaincodeDefinitionMessage, type MemberInboxMessage } from './network/member-inbox.v1';
export { SERVICE_NAMES, SERVICES, type Dependency, type ServiceName, type ServiceSpec } from './services';
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
export { revenueArgument, revenueRequestSchema, type RevenueRequest } from './ledger/revenue-request';
export {
  descriptionDigest,
  MAX_DESCRIPTION,
  newOfferSchema,
  offerDescriptionSchema,
  offerPatchSchema,
  offerTagSchema,
  offerUpdateArgument,
  patchTerms,
  postOfferArgument,
  tagsOf,
  termsOf,
  type NewOffer,
  type OfferDescription,
  type OfferPatch,
  type OfferUpdateArgument,
} from './ledger/offer-request';
export {
  decodeLedgerEvent,
  LEDGER_EVENT_TYPE,
  ledgerEventCloudEvent,
  ledgerEventIdOf,
  ledgerEventKey,
  ledgerEventSchema,
  toLedgerEvent,
  type LedgerEvent,
  type RawChaincodeEvent,
} from './ledger/ledger-event.v1';
export { LEDGER_COMMAND_TYPE, ledgerCommandCloudEvent, ledgerCommandSchema, type LedgerCommand } from './ledger/ledger-command.v1';
export {
  LEDGER_RECEIPT_TYPE,
  ledgerReceiptCloudEvent,
  ledgerReceiptId,
  ledgerReceiptSchema,
  type LedgerReceipt,
} from './ledger/ledger-receipt.v1';
// The ledger catalogue: every transaction and event of the dao and marketplace chaincodes, typed.
export * from './ledger/catalogue';
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
export { mpcNodeEnvironment, parseMpcNodeEnvironment, type DatasetSource, type EnvIssue, type HeartbeatSettings, type MpcNodeJob, type ListedMesh, type MpcMeshSettings, type MpcNodeSettings, type CoordinatorRegistration } from './workloads/mpc-node-env';
export { parametersDigest, resultDigest, resultJson } from './workloads/mpc-result';
export { parseHostPort, parseMpcMeshFile, renderMpcMeshFile, type MpcMeshFile, type MpcMeshParty, type MpcMeshServes } from './workloads/mpc-mesh-file';
export { signLoginChallenge } from './auth/login-signature';
export { answerCode, tokenSession, TokenSessionError, type SessionIdentity, type SessionResponse, type TokenSession, type TokenSessionOptions } from './auth/token-session';
