import { z } from 'zod';
import type { MpcMeshFile, NODE_USAGE_CHECKS } from '@datawell/contracts';
import { authorizeComputation, certificateIssuedBy, REQUEST_WINDOW_MS, requestSignatureProblem, type ComputeOp, type LedgerVersionView } from '@datawell/mpc';
import { ControlError } from './control.server';
import { RequestMemory } from './request-memory';

/*
 * A node in its member's domain takes part in a computation only if its own ledger view allows it
 * (issue 12): the op's `ledger` part says what it is for, the mesh file's owners tie the op's party
 * indices to members, and the version as the member's own peer reads it (GetVersion through the
 * member's bridge) decides with the one shared rule (@datawell/mpc authorizeComputation).
 */

/** The port to the member's ledger: the version's state (GetVersion) as its own peer reads it, or undefined when that peer has no such version. */
export interface LedgerReader {
  versionState(daoId: string, version: number): Promise<unknown>;
  /**
   * The root CA certificates (PEM) of each organisation of the version's channel as Fabric's channel
   * config has them, read from the member's own peer; undefined when the member's bridge does not
   * follow that channel.
   */
  organisationRoots(daoId: string, version: number): Promise<Readonly<Record<string, readonly string[]>> | undefined>;
}

/** What the signature check needs besides the op and the ledger: the clock, the window and the memory of taken requests. */
export interface RequestCheckOptions {
  readonly requests: RequestMemory;
  readonly now?: () => number;
  /** Default REQUEST_WINDOW_MS (10 minutes). */
  readonly windowMs?: number;
}

/** The member's ledger could not be read (its bridge unreachable, 5xx, or refusing the node's login): 503 LEDGER_UNAVAILABLE. */
export class LedgerUnavailableError extends Error {
  override readonly name = 'LedgerUnavailableError';
  readonly code = 'LEDGER_UNAVAILABLE' as const;
}

/**
 * The checks a node makes beyond the shared rule's (USAGE_CHECKS): `ledger` (the op says nothing of
 * what it is for, or the member's ledger has no such version), `mesh-owners` (the mesh file does not
 * name every party's member), `op-parties` (the op's program or party indices are not the ledger's
 * computation, owner and recipients), `ledger-state` (the version state is not readable as one),
 * `requester-signature` (no signature of the requester over the op's ledger fields that verifies, is
 * recent, was not used for another op, by a certificate of the requester's CA on the channel):
 * NODE_USAGE_CHECKS of @datawell/contracts, so the usage trail takes them.
 */
export type NodeCheck = Exclude<(typeof NODE_USAGE_CHECKS)[number], 'party-refused'>;

export type LedgerDecision = { readonly allowed: true } | { readonly allowed: false; readonly check: string; readonly message: string };

const refuse = (check: string, message: string): LedgerDecision => ({ allowed: false, check, message });

/** GetVersion's JSON (chaincode/dao versions.ts getVersion), as far as the rule reads it. */
const versionStateSchema = z.looseObject({
  daoId: z.string(),
  version: z.number().int(),
  terms: z.looseObject({ computations: z.array(z.looseObject({ name: z.string(), resultRecipients: z.array(z.string()) })) }),
  memberStates: z.array(z.looseObject({ mspId: z.string(), role: z.string(), group: z.string(), status: z.enum(['active', 'abandoned', 'exited']) })),
});

/** The version view of the shared rule from GetVersion's JSON, or undefined when it is not one. */
export function versionViewOf(state: unknown): LedgerVersionView | undefined {
  const parsed = versionStateSchema.safeParse(state);
  if (!parsed.success) return undefined;
  const v = parsed.data;
  return {
    daoId: v.daoId,
    version: v.version,
    members: v.memberStates.map((m) => ({ mspId: m.mspId, role: m.role, group: m.group, status: m.status })),
    computations: v.terms.computations.map((c) => ({ name: c.name, resultRecipients: [...c.resultRecipients] })),
  };
}

const sameSet = (a: readonly string[], b: readonly string[]) => {
  const x = new Set(a);
  const y = new Set(b);
  return x.size === y.size && [...x].every((v) => y.has(v));
};

/** What can be decided without the ledger: the op names its purpose and the version the mesh serves, and its parties are the members it names. */
export function checkOpParties(op: ComputeOp, mesh: MpcMeshFile): LedgerDecision {
  const ledger = op.ledger;
  if (!ledger) return refuse('ledger', 'the op does not say what it is for (no ledger part): this node takes part only in what its own ledger allows');
  // One node per member per DAO: its mesh serves one version (the latest it was given); the op's party indices are another version's.
  const serves = mesh.serves;
  if (serves && (ledger.daoId !== serves.daoId || ledger.version !== serves.version)) {
    return refuse('op-parties', `this node's mesh serves version ${serves.version} of DAO ${serves.daoId}, not version ${ledger.version} of DAO ${ledger.daoId}`);
  }
  const owners = mesh.parties.map((p) => p.owner);
  if (owners.some((o) => o === undefined)) return refuse('mesh-owners', "the mesh file does not name every party's member (owner): party indices cannot be checked against the ledger");
  if (op.program !== ledger.computation) return refuse('op-parties', `the op runs ${op.program} but names computation ${ledger.computation}`);
  if (owners[op.owner] !== ledger.owner) return refuse('op-parties', `party ${op.owner} is not the node of the data owner ${ledger.owner}`);
  const recipients = op.recipients.map((i) => owners[i] ?? `party ${i}`);
  if (!sameSet(recipients, ledger.recipients)) return refuse('op-parties', `the op's recipient parties are not the nodes of ${ledger.recipients.join(', ')}`);
  return { allowed: true };
}

/** The decision on an op with the version state the member's ledger returned (undefined: no such version there). */
export function decideWithState(op: ComputeOp & { ledger: NonNullable<ComputeOp['ledger']> }, state: unknown): LedgerDecision {
  const { ledger } = op;
  if (state === undefined) return refuse('ledger', `this member's ledger has no version ${ledger.version} of DAO ${ledger.daoId}`);
  const view = versionViewOf(state);
  if (!view) return refuse('ledger-state', `the ledger's state of DAO ${ledger.daoId} version ${ledger.version} is not readable as a version`);
  if (view.daoId !== ledger.daoId || view.version !== ledger.version) return refuse('ledger-state', `the ledger answered for DAO ${view.daoId} version ${view.version}`);
  const decision = authorizeComputation(view, ledger.requester, { computation: ledger.computation, columns: op.dataset.columns, recipients: ledger.recipients, owner: ledger.owner });
  return 'refused' in decision ? refuse(decision.refused.check, decision.refused.message) : { allowed: true };
}

type LedgeredOp = ComputeOp & { ledger: NonNullable<ComputeOp['ledger']> };

/**
 * The requester's signature of the op, as far as it can be checked without the ledger: present,
 * verifying over the v2 signing text of the op's own ledger fields, dataset name, columns,
 * fractional bits and precision (so a coordinator that changed the requester, computation, recipients, version,
 * dataset, its owner, its columns, the fractional bits or the precision breaks it; a v1 signature, which bound
 * neither the parameters nor the owner, is REQUEST_SIGNATURE_OUTDATED), within the window, and its
 * request id not taken by another op of this node.
 */
export function checkRequestSignature(op: LedgeredOp, options: RequestCheckOptions): LedgerDecision {
  const { ledger } = op;
  const signed = ledger.request;
  if (!signed) return refuse('requester-signature', `the op carries no signature of its requester ${ledger.requester}: this node takes part only in what the requester itself signed`);
  const nowMs = (options.now ?? Date.now)();
  const fields = {
    daoId: ledger.daoId,
    version: ledger.version,
    computation: ledger.computation,
    dataset: op.dataset.name,
    owner: ledger.owner,
    parameters: { columns: op.dataset.columns, fractionalBits: op.fractionalBits, precision: op.precision },
    recipients: ledger.recipients,
    requester: ledger.requester,
  };
  const problem = requestSignatureProblem(fields, signed, nowMs, options.windowMs ?? REQUEST_WINDOW_MS);
  if (problem) return refuse('requester-signature', `${problem.code}: ${problem.message}`);
  const other = options.requests.takenByOther(signed.requestId, op.opId, nowMs);
  if (other) return refuse('requester-signature', `request ${signed.requestId} was taken part in already (op ${other}): a signed request is good for one computation`);
  return { allowed: true };
}

/** Whether the requester's certificate was issued by a root CA of the requester's organisation on the version's channel (undefined roots: no such channel here). */
export function checkRequesterIssuer(op: LedgeredOp, roots: Readonly<Record<string, readonly string[]>> | undefined): LedgerDecision {
  const { ledger } = op;
  if (!roots) return refuse('ledger', `this member's ledger has no channel of version ${ledger.version} of DAO ${ledger.daoId}`);
  const own = roots[ledger.requester];
  if (!own || own.length === 0) return refuse('requester-signature', `the channel of ${ledger.daoId} version ${ledger.version} has no root certificate of ${ledger.requester}`);
  if (!certificateIssuedBy(ledger.request!.certificatePem, own)) return refuse('requester-signature', `the request certificate was not issued by a CA of ${ledger.requester} as the channel's config has it`);
  return { allowed: true };
}

/**
 * Whether this node may take part in `op`: the op's parties and the requester's signature first (no
 * ledger read for an op that cannot be allowed), then the shared rule on the version as the member's
 * ledger reads it, then the requester's CA on the version's channel (its config's MSP roots). An allowed op's request id is
 * taken: another op under it is refused. Throws LedgerUnavailableError when the ledger cannot be read.
 */
export async function checkComputeOp(op: ComputeOp, mesh: MpcMeshFile, ledger: LedgerReader, options: RequestCheckOptions): Promise<LedgerDecision> {
  const parties = checkOpParties(op, mesh);
  if (!parties.allowed || !op.ledger) return parties;
  const o: LedgeredOp = { ...op, ledger: op.ledger };
  const signature = checkRequestSignature(o, options);
  if (!signature.allowed) return signature;
  const decision = decideWithState(o, await ledger.versionState(o.ledger.daoId, o.ledger.version));
  if (!decision.allowed) return decision;
  const issuer = checkRequesterIssuer(o, await ledger.organisationRoots(o.ledger.daoId, o.ledger.version));
  if (!issuer.allowed) return issuer;
  options.requests.take(o.ledger.request!.requestId, o.opId, o.ledger.request!.issuedAtMs + (options.windowMs ?? REQUEST_WINDOW_MS));
  return decision;
}

/**
 * The node's gate on compute ops (op-queue `admit`) with its mesh file and its member's ledger:
 * 403 NOT_ALLOWED naming the check ("check <name>: …" in the message too, for callers that keep only
 * the message), 503 LEDGER_UNAVAILABLE when the ledger cannot be read. Each decision is logged with
 * the op id and the check, never the op's values.
 */
export function ledgerGate(
  mesh: () => MpcMeshFile,
  ledger: LedgerReader,
  log: (message: string, extra?: Record<string, unknown>) => void,
  options: RequestCheckOptions = { requests: new RequestMemory() },
): (op: ComputeOp) => Promise<void> {
  return async (op) => {
    let decision: LedgerDecision;
    try {
      decision = await checkComputeOp(op, mesh(), ledger, options);
    } catch (error) {
      if (!(error instanceof LedgerUnavailableError)) throw error;
      log('ledger check: ledger unavailable', { opId: op.opId, code: error.code, error: error.message });
      throw new ControlError(503, error.code, `this node cannot read its member's ledger: ${error.message}`);
    }
    if (decision.allowed) {
      log('ledger check: allowed', { opId: op.opId });
      return;
    }
    log('ledger check: refused', { opId: op.opId, code: 'NOT_ALLOWED', check: decision.check });
    throw new ControlError(403, 'NOT_ALLOWED', `check ${decision.check}: ${decision.message}`, decision.check);
  };
}
