/** Injection tokens of what the service platform provides. */
export const SERVICE_CONFIG = Symbol('datawell.service-config');
export const KAFKA = Symbol('datawell.kafka');
/** Only bound for services whose config has `redis`. */
export const REDIS = Symbol('datawell.redis');
/** A Kafka client without retries, for /health: it must answer now, not after a backoff. */
export const KAFKA_PROBE = Symbol('datawell.kafka-probe');
/**
 * Optional (`GrpcClientCas`): the CAs whose client certificates the gRPC server asks for and hands to
 * handlers; libs/auth binds it to the identity directory.
 */
export const GRPC_CLIENT_CAS = Symbol('datawell.grpc-client-cas');
