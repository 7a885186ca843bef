import { z } from 'zod';
import { CUSTODY_REMOVED, defineService, groupIdVariable, removedSettingIssues, textVariable as withDefault, topicVariable as topic, type ConfigOf, type ServiceExtension } from '@datawell/config';
import { SERVICES } from '@datawell/contracts';
import type { RefusalLimitSettings } from './computations/refusal-limit';

/** Settings of the mpc-coordinator service beyond the common ones (see docs/services.md, docs/mpc.md). */
export interface MpcCoordinatorSettings {
  readonly topics: {
    /** Read model of DAO versions and member status (VersionCreated, MemberAbandoned, MemberExited; DaoPublished). */
    readonly ledgerEvents: string;
  };
  readonly consumerGroupId: string;
  /** BullMQ queue of computations and preprocessing top-ups. */
  readonly queue: string;
  /** How often the preprocessing stock of every complete mesh is checked and topped up (0: never). */
  readonly topUpIntervalMs: number;
  /** Stock kept at the nodes: triples, and input/output masks per data owner and recipient. */
  readonly stock: { readonly triples: number; readonly masks: number };
  /** Longest wait for a node's answer to one operation. */
  readonly nodeTimeoutMs: number;
  /**
   * Mutual TLS to the nodes' control APIs (PEM files): the CA(s) that issue the nodes' certificates,
   * and the coordinator's client certificate and key, issued by a CA the nodes trust. Absent: the
   * coordinator cannot call any node (its runs fail with NODE_TLS_NOT_CONFIGURED).
   */
  readonly nodeTls?: { readonly caFile: string; readonly certFile: string; readonly keyFile: string };
  /**
   * The limit on refused computation requests per requester (organisation): `perWindow` refusals are
   * recorded in the data owners' usage trails per `windowSeconds`; beyond them a refused request is
   * answered 429 TOO_MANY_REFUSALS (Retry-After) and not recorded.
   */
  readonly refusals: RefusalLimitSettings;
}

export const MPC_COORDINATOR_VARIABLES = {
  ledgerEventsTopic: 'MPC_COORDINATOR_LEDGER_EVENTS_TOPIC',
  consumerGroupId: 'MPC_COORDINATOR_CONSUMER_GROUP_ID',
  queue: 'MPC_COORDINATOR_QUEUE',
  topUpIntervalMs: 'MPC_COORDINATOR_TOPUP_INTERVAL_MS',
  stockTriples: 'MPC_COORDINATOR_STOCK_TRIPLES',
  stockMasks: 'MPC_COORDINATOR_STOCK_MASKS',
  nodeTimeoutMs: 'MPC_COORDINATOR_NODE_TIMEOUT_MS',
  nodeTlsCaFile: 'MPC_COORDINATOR_NODE_TLS_CA_FILE',
  nodeTlsCertFile: 'MPC_COORDINATOR_NODE_TLS_CERT_FILE',
  nodeTlsKeyFile: 'MPC_COORDINATOR_NODE_TLS_KEY_FILE',
  /** Refused requests recorded per requester and window (default 30). */
  refusalsPerWindow: 'MPC_COORDINATOR_REFUSALS_PER_WINDOW',
  /** The refusal limit's window in seconds (default 600). */
  refusalsWindowSeconds: 'MPC_COORDINATOR_REFUSALS_WINDOW_SECONDS',
} as const;

const V = MPC_COORDINATOR_VARIABLES;
const optionalPath = z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined), z.string().optional());
const NODE_TLS = [V.nodeTlsCaFile, V.nodeTlsCertFile, V.nodeTlsKeyFile] as const;
const int = (value: number, min: number, max: number) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : value), z.number().int().min(min).max(max));

const mpcCoordinatorExtension: ServiceExtension<MpcCoordinatorSettings> = {
  shape: {
    [V.ledgerEventsTopic]: topic('datawell.ledger.events.v1'),
    [V.consumerGroupId]: groupIdVariable('datawell-mpc-coordinator'),
    [V.queue]: withDefault('mpc-coordinator').refine((q) => /^[A-Za-z0-9._-]{1,100}$/.test(q), 'must be letters, digits, ".", "_" or "-"'),
    [V.topUpIntervalMs]: int(30_000, 0, 86_400_000),
    [V.stockTriples]: int(20_000, 0, 10_000_000),
    [V.stockMasks]: int(20_000, 0, 10_000_000),
    [V.nodeTimeoutMs]: int(600_000, 1000, 86_400_000),
    [V.nodeTlsCaFile]: optionalPath,
    [V.nodeTlsCertFile]: optionalPath,
    [V.nodeTlsKeyFile]: optionalPath,
    [V.refusalsPerWindow]: int(30, 1, 1_000_000),
    [V.refusalsWindowSeconds]: int(600, 1, 86_400),
  },
  /** The node TLS files: all three or none; and the custody setting, removed (issue #11). */
  issues: (env) => {
    const removed = removedSettingIssues(env, { MPC_COORDINATOR_CUSTODIAL_ORGANISATIONS: CUSTODY_REMOVED });
    const given = NODE_TLS.filter((name) => env[name]?.trim());
    if (given.length === 0 || given.length === NODE_TLS.length) return removed;
    return [...removed, ...NODE_TLS.filter((name) => !env[name]?.trim()).map((variable) => ({ variable, problem: `is required with ${given.join(', ')} (all three node TLS files or none)` }))];
  },
  build: (values) => ({
    topics: { ledgerEvents: values[V.ledgerEventsTopic] as string },
    consumerGroupId: values[V.consumerGroupId] as string,
    queue: values[V.queue] as string,
    topUpIntervalMs: values[V.topUpIntervalMs] as number,
    stock: { triples: values[V.stockTriples] as number, masks: values[V.stockMasks] as number },
    nodeTimeoutMs: values[V.nodeTimeoutMs] as number,
    refusals: { perWindow: values[V.refusalsPerWindow] as number, windowSeconds: values[V.refusalsWindowSeconds] as number },
    ...(values[V.nodeTlsCaFile]
      ? { nodeTls: { caFile: values[V.nodeTlsCaFile] as string, certFile: values[V.nodeTlsCertFile] as string, keyFile: values[V.nodeTlsKeyFile] as string } }
      : {}),
  }),
};

/** The mpc-coordinator service's configuration: its registry entry and its own settings. */
export const mpcCoordinatorService = defineService(SERVICES['mpc-coordinator'], mpcCoordinatorExtension);
export type MpcCoordinatorConfig = ConfigOf<typeof mpcCoordinatorService>;
