export { ConfigError, type ConfigIssue } from './config-error';
export {
  loadServiceConfig,
  LOG_LEVELS,
  type Environment,
  type GrpcConfig,
  type TlsConfig,
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
export { blankToUndefined, type ServiceExtension } from './extension';
export type { ServiceSettingsMap } from './extensions';
export type { MarketplaceSettings } from './marketplace';
export type { NegotiationSettings } from './negotiation';
export type { ProvisionerSettings } from './provisioner';
export type { TelemetrySettings } from './telemetry';
export type { MpcCoordinatorSettings } from './mpc-coordinator';
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
  BODY_LIMIT,
  GrpcServer,
  grpcStatusOf,
  loadGrpcService,
  PlatformErrorFilter,
  ServiceMetrics,
  type GrpcServiceOptions,
  type GrpcUnaryHandler,
} from './service';
