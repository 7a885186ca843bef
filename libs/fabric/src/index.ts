export { connectGateway, type GatewayConnection, type GatewayEndpoint, type GatewayIdentity } from './gateway';
