export { connectGateway, type GatewayConnection, type GatewayEndpoint, type GatewayIdentity } from './gateway';
export { endorsementDetails, isTransientEndorsementError, submitTransaction, type SubmitOptions } from './endorse';
export { awaitPrivateData, isPrivateChaincode, isPrivateDataPending, privateProposal, readSealedRecord, unsealEvent, unsealedEvents, unsealResponse, type ClosableEvents } from './private';
