export { ConfigError, type ConfigIssue } from './config-error';
export {
  COMMON_VARIABLES,
  loadServiceConfig,
  LOG_LEVELS,
  requiredVariables,
  type ConfigOf,
  type GrpcConfig,
  type HasRedis,
  type HttpConfig,
  type KafkaConfig,
  type LogLevel,
  type PostgresConfig,
  type RedisConfig,
  type ServiceConfig,
  type TlsConfig,
} from './load-config';
export { redactUrl } from './redact';
export { httpsText, type HttpsText } from './https-text';
export { createKafka, fixKafkaRequestQueue, kafkaLogCreator, type ConnectionLogger, type KafkaClientOptions } from './kafka-client';
export {
  KAFKA_SASL_MECHANISM,
  kafkaCredentials,
  KafkaCredentialsError,
  parseKafkaCredentials,
  readKafkaCredentialsFile,
  type KafkaCredentials,
} from './kafka-credentials';
export {
  CLEAR_TRAFFIC_HEADERS,
  isSealedTraffic,
  newTrafficKeyBytes,
  openTraffic,
  readTrafficKeyFile,
  sealTraffic,
  TRAFFIC_KEY_BYTES,
  TrafficKey,
  TrafficSealError,
  type TrafficBinding,
  type TrafficSealErrorCode,
} from './traffic-key';
export { flagIsOn, flagVariable, groupIdVariable, optionalTextVariable, optionalTopicVariable, textVariable, topicVariable } from './variables';
export {
  blankToUndefined,
  defineService,
  type Environment,
  type ServiceDefinition,
  type ServiceExtension,
} from './extension';
export { memberModeIssues } from './member-mode';
export { CUSTODY_REMOVED, removedSettingIssues } from './removed-settings';
