export type { StackConnection, FabricConnection, FabricEndpoint, FabricOrgConnection } from './connection';
export { connectionEnv } from './connection';
