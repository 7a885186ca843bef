import { dirname } from 'node:path';

const OPERATOR_MSP = 'OperatorMSP';

/**
 * Where the running native stack can be reached. `./dev stack up` writes it to
 * `<stackDir>/connection.json`; services get the same facts as environment variables
 * (see `connectionEnv`), tests through the testing harness.
 */
export interface StackConnection {
  readonly stackDir: string;
  readonly postgres: {
    readonly host: string;
    readonly port: number;
    readonly user: string;
    readonly password: string;
    readonly database: string;
    /** postgres://user:password@host:port/database */
    readonly url: string;
  };
  readonly redis: { readonly host: string; readonly port: number; readonly url: string };
  readonly kafka: {
    readonly brokers: readonly string[];
    /**
     * The operator principal's credentials file (mode 0600), which services, tests and the CLI use;
     * absent for a broker made before SASL (then clients connect unauthenticated).
     */
    readonly credentialsFile?: string;
  };
  readonly fabric: FabricConnection;
  readonly opentofu: { readonly binary: string };
}

export interface FabricConnection {
  readonly orderers: readonly FabricEndpoint[];
  /** Organisations by MSP id. */
  readonly orgs: Readonly<Record<string, FabricOrgConnection>>;
  readonly channels: readonly string[];
}

export interface FabricEndpoint {
  readonly name: string;
  /** host:port of the gRPC endpoint */
  readonly endpoint: string;
  /** TLS host name override (the name in the server certificate) */
  readonly hostAlias: string;
  /** PEM file of the TLS CA that issued the endpoint's certificate */
  readonly tlsCaFile: string;
  /** host:port of the admin (channel participation) endpoint, for orderers */
  readonly adminEndpoint?: string;
}

export interface FabricOrgConnection {
  readonly mspId: string;
  readonly peer: FabricEndpoint;
  /** URL of the organisation's Fabric CA (https) */
  readonly caUrl: string;
  readonly caName: string;
  /** PEM of the CA's TLS certificate, to trust when enrolling */
  readonly caTlsCertFile: string;
  /** Admin identity's MSP folder (signcerts/, keystore/) */
  readonly adminMspDir: string;
  /** A registrar identity at the CA that may register and enroll new users */
  readonly registrar: { readonly id: string; readonly secret: string };
}

/** The environment variables every Datawell service reads its connections from. */
export function connectionEnv(c: StackConnection): Record<string, string> {
  return {
    DATAWELL_POSTGRES_URL: c.postgres.url,
    DATAWELL_REDIS_URL: c.redis.url,
    DATAWELL_KAFKA_BROKERS: c.kafka.brokers.join(','),
    ...(c.kafka.credentialsFile ? { DATAWELL_KAFKA_CREDENTIALS_FILE: c.kafka.credentialsFile } : {}),
    DATAWELL_STACK_DIR: c.stackDir,
    DATAWELL_TOFU_BINARY: c.opentofu.binary,
    // The operator's public MSP (the folder holding its peer's tlscacerts/): services learn the operator CA from it.
    ...(c.fabric.orgs[OPERATOR_MSP] ? { DATAWELL_OPERATOR_MSP_DIR: dirname(dirname(c.fabric.orgs[OPERATOR_MSP].peer.tlsCaFile)) } : {}),
  };
}
