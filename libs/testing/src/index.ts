export { stackConnection, stackEnv } from './connection';
