export { connectGateway, type GatewayConnection, type GatewayEndpoint, type GatewayIdentity } from './gateway';
export { isTransientEndorsementError, submitTransaction, type SubmitOptions } from './endorse';
