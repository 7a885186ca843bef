import type { IntegerJson } from '@datawell/domain';

/** What a workload process reads from `workload.json` in its own folder. */
export interface WorkloadConfig {
  readonly workloadId: string;
  readonly daoId: string;
  readonly version: number;
  readonly name: string;
  readonly owner: string;
  readonly kind: string;
  readonly parameters: Readonly<Record<string, IntegerJson>>;
  /** Set for an MPC node of a mesh: the workload runs the SPDZ node program (otherwise it is a heartbeating placeholder). */
  readonly mpc?: MpcMeshMember;
  readonly heartbeatIntervalSeconds: number;
  readonly kafkaBrokers: readonly string[];
  /** The Kafka principal's credentials file (mode 0600) the workload authenticates with; absent for a broker without SASL. */
  readonly kafkaCredentialsFile?: string;
  readonly telemetryTopic: string;
  /**
   * A member domain's traffic key file (mode 0600): on a member's topic (`datawell.member.<MSP>.…`) the
   * heartbeats are sealed with it before they reach the broker. Absent for the operator's workloads.
   */
  readonly trafficKeyFile?: string;
  /** The workload's private key (PKCS#8 PEM, mode 0600), in its folder. */
  readonly keyFile: string;
}

/**
 * One node of a version's MPC mesh, as the provisioner planned it; the workload turns it into the node's
 * environment (mpcNodeEnvironment). Its mesh is listed (every party's name and endpoint, one mesh CA:
 * the operator's) or, for a node in its member's domain, a mesh file the node waits for (`meshFile`:
 * the parties as the ledger gives them, each pinned to its certificate from its member's CA).
 */
export type MpcMeshMember = MpcMeshMemberListed | MpcMeshMemberFromFile;

interface MpcMeshMemberCommon {
  /**
   * The node's party index and every party's certificate CN, in party order. With a mesh file they
   * are the provisioner's plan (its logs and the coordinator's view); the node reads its mesh from the file.
   */
  readonly partyIndex: number;
  readonly names: readonly string[];
  /** The coordinator's HTTPS control API (mutual TLS) of this node, on 127.0.0.1. */
  readonly controlPort: number;
  readonly controlClientNames: readonly string[];
  /**
   * Worker threads of the node's preprocessing kernels (0 or 1: the node's own thread). The machine's
   * cores when unset; a provisioner that runs several nodes on one machine divides the cores among them.
   */
  readonly kernelWorkers?: number;
  /**
   * The OT extension of the node's MASCOT preprocessing (`kos`, `softspoken` or `softspoken:<k>`, as
   * the node's MPC_NODE_OT_EXTENSION reads it): the same for every node of the mesh. Unset: the node's
   * default (`kos`).
   */
  readonly otExtension?: string;
  /** The datasets this node's member owns (the workload's `datasets` parameter), as the node reads them. */
  readonly datasets?: IntegerJson;
}

export interface MpcMeshMemberListed extends MpcMeshMemberCommon {
  readonly meshFile?: undefined;
  /** Every party's mesh endpoint (host:port), in party order. */
  readonly endpoints: readonly string[];
  /** `caFile`: the mesh CA, which issues every party's certificate (CN = its name). */
  readonly tls: { readonly certFile: string; readonly keyFile: string; readonly caFile: string };
  /** The CA of the control API's callers; unset: `tls.caFile`. */
  readonly controlCaFile?: string;
}

export interface MpcMeshMemberFromFile extends MpcMeshMemberCommon {
  /** Absolute path of the node's mesh file (MpcMeshFile), which may be written after the node starts. */
  readonly meshFile: string;
  readonly endpoints?: undefined;
  readonly tls: { readonly certFile: string; readonly keyFile: string };
  /** The CA of the control API's callers (the coordinator's). */
  readonly controlCaFile: string;
  /**
   * The member's own ledger bridge (http(s) URL): when set, the node takes part in a computation only
   * if the version, as the member's own peer reads it, allows it (MPC_NODE_LEDGER_URL).
   */
  readonly ledgerUrl?: string;
  /** The operator's MPC coordinator (http(s) URL): the node registers itself there with its own identity (MPC_NODE_COORDINATOR_URL). */
  readonly coordinatorUrl?: string;
  /** The https URL at which the coordinator reaches the node's control API (MPC_NODE_CONTROL_URL). */
  readonly controlUrl?: string;
}
