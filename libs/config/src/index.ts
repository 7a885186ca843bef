export { ConfigError, type ConfigIssue } from './config-error';
export {
  loadServiceConfig,
  LOG_LEVELS,
  type Environment,
  type HttpConfig,
  type KafkaConfig,
  type LogLevel,
  type PostgresConfig,
  type RedisConfig,
  type ServiceConfig,
} from './load-config';
export {
  LEDGER_BRIDGE_VARIABLES,
  type ChannelSeed,
  type FabricPeerConfig,
  type LedgerBridgeConfig,
} from './ledger-bridge';
export { redactUrl } from './redact';
export {
  COMMON_VARIABLES,
  requiredVariables,
  SERVICE_NAMES,
  SERVICES,
  type Dependency,
  type RedisServiceName,
  type ServiceName,
  type ServiceSpec,
} from './services';
export {
  bootstrapService,
  createServiceApp,
  CreateServiceSchema,
  DependencyIndicators,
  enabledLevels,
  KAFKA,
  REDIS,
  SERVICE_CONFIG,
  ServiceLogger,
  ServicePlatformModule,
  type AppModuleFactory,
  type ServicePlatformOptions,
} from './service';
