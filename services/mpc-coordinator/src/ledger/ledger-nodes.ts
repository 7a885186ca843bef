import { infrastructureProvisionedPayloadSchema } from '@datawell/contracts';
import { nodeRegistrationProblem, nodeRegistrationSchema, type DaoVersionView } from '../computations/authorization';
import type { NodePin } from '../computations/node-client.adapter';

/** One MPC node the provisioner reported for a member, as the coordinator registers it. */
export interface LedgerNodeRegistration {
  readonly workloadId: string;
  readonly mspId: string;
  readonly partyIndex: number;
  readonly controlUrl: string;
  /** A node its member runs in its own domain: the certificates its member reported, which calls pin. */
  readonly pin?: NodePin;
}

/**
 * The nodes of one `InfrastructureProvisioned` report (its `resources.mpcNodes`): they replace the
 * version's earlier ledger-registered nodes.
 */
export interface LedgerNodesUpdate {
  readonly kind: 'ledger-nodes';
  readonly daoId: string;
  readonly version: number;
  readonly revision: number;
  readonly nodes: readonly LedgerNodeRegistration[];
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * The node registrations an `InfrastructureProvisioned` payload of version `version` of `daoId`
 * carries, pure: undefined when it has no `resources.mpcNodes` (nothing changes), `ignored` when
 * the list is malformed (not an array, a node without its fields, a control URL that is not
 * https, two nodes at one party index or for one member). Membership is judged later, against
 * the read model (`planLedgerNodes`).
 */
export function ledgerNodesOf(daoId: string, version: number, payload: unknown): LedgerNodesUpdate | { readonly ignored: string } | undefined {
  if (!isObject(payload) || !isObject(payload['resources']) || payload['resources']['mpcNodes'] === undefined) return undefined;
  const p = infrastructureProvisionedPayloadSchema.safeParse(payload);
  if (!p.success) {
    const issue = p.error.issues[0]!;
    return { ignored: `InfrastructureProvisioned with malformed mpcNodes (${issue.path.join('.') || 'payload'}: ${issue.message})` };
  }
  const reported = p.data.resources?.mpcNodes ?? [];
  const nodes: LedgerNodeRegistration[] = [];
  for (const [i, n] of reported.entries()) {
    const fields = nodeRegistrationSchema.safeParse({ partyIndex: n.partyIndex, controlUrl: n.controlUrl });
    if (!fields.success) {
      const issue = fields.error.issues[0]!;
      return { ignored: `InfrastructureProvisioned with malformed mpcNodes (resources.mpcNodes.${i}.${issue.path.join('.')}: ${issue.message})` };
    }
    if (nodes.some((m) => m.partyIndex === n.partyIndex)) return { ignored: `InfrastructureProvisioned with two MPC nodes at party index ${n.partyIndex}` };
    if (nodes.some((m) => m.mspId === n.owner)) return { ignored: `InfrastructureProvisioned with two MPC nodes of ${n.owner}` };
    if ((n.certificatePem === undefined) !== (n.caCertificatePem === undefined)) return { ignored: `InfrastructureProvisioned with an MPC node of ${n.owner} carrying one of its two certificates` };
    const pin = n.certificatePem !== undefined && n.caCertificatePem !== undefined ? { certificatePem: n.certificatePem, caCertificatePem: n.caCertificatePem } : undefined;
    nodes.push({ workloadId: n.workloadId, mspId: n.owner, partyIndex: n.partyIndex, controlUrl: n.controlUrl, ...(pin ? { pin } : {}) });
  }
  nodes.sort((a, b) => a.partyIndex - b.partyIndex);
  return { kind: 'ledger-nodes', daoId, version, revision: p.data.revision, nodes };
}

/** A node row as the version has it before a report is applied. */
export interface RegisteredNode {
  readonly mspId: string;
  readonly partyIndex: number;
  readonly controlUrl: string;
  readonly source: 'member' | 'ledger';
}

export interface LedgerNodesPlan {
  /** Members whose rows go (re-inserted when listed in `insert`). */
  readonly remove: readonly string[];
  readonly insert: ReadonlyArray<LedgerNodeRegistration & { readonly keepInventory: boolean }>;
  /** Ledger-registered nodes of an earlier report that this one no longer lists. */
  readonly dropped: readonly string[];
  /** Members' hand-registered nodes at a party index the report gives another member. */
  readonly evicted: readonly string[];
}

/**
 * How a report changes the version's nodes, pure. Each node must be one the PUT route would accept
 * from its owner (an active member, party index below the member count), else the whole report is
 * refused. The most recent write wins: the report replaces the version's earlier ledger-registered
 * nodes and its owners' hand-registered ones, and takes its party indices from any other member's
 * hand-registered node. A node reported again at the same control URL keeps its known stock.
 */
export function planLedgerNodes(version: DaoVersionView, current: readonly RegisteredNode[], update: LedgerNodesUpdate): LedgerNodesPlan | { readonly problem: string } {
  for (const n of update.nodes) {
    const problem = nodeRegistrationProblem(version, n.mspId, n.partyIndex);
    if (problem) return { problem: `the MPC node ${n.workloadId}: ${problem.message}` };
  }
  const listed = new Set(update.nodes.map((n) => n.mspId));
  const indices = new Set(update.nodes.map((n) => n.partyIndex));
  const dropped = current.filter((c) => c.source === 'ledger' && !listed.has(c.mspId)).map((c) => c.mspId);
  const evicted = current.filter((c) => c.source === 'member' && !listed.has(c.mspId) && indices.has(c.partyIndex)).map((c) => c.mspId);
  const remove = current.filter((c) => listed.has(c.mspId) || dropped.includes(c.mspId) || evicted.includes(c.mspId)).map((c) => c.mspId);
  const insert = update.nodes.map((n) => ({ ...n, keepInventory: current.some((c) => c.mspId === n.mspId && c.controlUrl === n.controlUrl) }));
  return { remove, insert, dropped, evicted };
}
