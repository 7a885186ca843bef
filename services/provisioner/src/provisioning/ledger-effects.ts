import { createHash } from 'node:crypto';
import { DAO, daoChannelName, ledgerCommandId, parseDaoChannel, type LedgerCommand, type LedgerEvent } from '@datawell/contracts';
import { canonicalJson } from '@datawell/domain';
import { dspOf, infrastructureSpecSchema, jobIdOf, memberLeftSchema, versionCreatedSchema, type DesiredVersion, type InfrastructureSpec, type JobData } from './spec';

export type LedgerEffect =
  | { readonly type: 'version'; readonly desired: DesiredVersion; readonly job: JobData }
  | { readonly type: 'member-left'; readonly daoId: string; readonly version: number; readonly mspId: string; readonly dissolved: boolean; readonly job: JobData }
  | { readonly type: 'dissolved'; readonly daoId: string; readonly version: number; readonly job: JobData }
  | { readonly type: 'revision'; readonly daoId: string; readonly version: number; readonly revision: number; readonly spec: InfrastructureSpec; readonly job: JobData };

export class InvalidLedgerEventError extends Error {
  readonly code = 'INVALID_LEDGER_EVENT';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidLedgerEventError';
  }
}

/**
 * What a ledger event asks of the provisioner, or undefined when nothing: `VersionCreated` →
 * apply the version's requested infrastructure; `MemberAbandoned` / `MemberExited` → re-apply
 * without that member's workloads (all of them when the version is dissolved with it);
 * `MemberTransferred` → the same for the member that transferred its position;
 * `ProposalDecided` with a dissolving effect → destroy the version's workspace; with a new
 * infrastructure revision (an accepted change-infrastructure) → apply that revision.
 */
export function effectOf(event: LedgerEvent): LedgerEffect | undefined {
  const channel = parseDaoChannel(event.channel);
  if (!channel || event.payloadEncoding !== 'json') return undefined;
  const payload = event.payload as Record<string, unknown> | null;
  if (payload === null || typeof payload !== 'object') return undefined;
  switch (event.eventName) {
    case DAO.event.VersionCreated: {
      const parsed = versionCreatedSchema.safeParse(payload);
      if (!parsed.success) throw new InvalidLedgerEventError(`${event.eventName} on ${event.channel}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      const v = parsed.data;
      if (v.daoId !== channel.daoId || v.version !== channel.level) throw new InvalidLedgerEventError(`${event.eventName} of ${v.daoId} v${v.version} on channel ${event.channel}`);
      const desired: DesiredVersion = {
        daoId: v.daoId,
        version: v.version,
        revision: v.infrastructureRequested.revision,
        chaincode: event.chaincodeId,
        members: v.members.map(({ mspId, group, role }) => ({ mspId, group, role })),
        heartbeatIntervalSeconds: v.terms.heartbeatIntervalSeconds,
        spec: v.infrastructureRequested.spec,
        removedMembers: [],
        dissolved: false,
      };
      return { type: 'version', desired, job: { kind: 'apply', daoId: v.daoId, version: v.version, revision: desired.revision } };
    }
    case DAO.event.MemberAbandoned:
    case DAO.event.MemberExited: {
      const parsed = memberLeftSchema.safeParse(payload);
      if (!parsed.success) throw new InvalidLedgerEventError(`${event.eventName} on ${event.channel}: no mspId`);
      const dissolved = parsed.data.dissolved === true;
      const base = { daoId: channel.daoId, version: channel.level };
      return {
        type: 'member-left',
        ...base,
        mspId: parsed.data.mspId,
        dissolved,
        job: dissolved ? { kind: 'destroy', ...base } : { kind: 'remove', ...base, mspId: parsed.data.mspId },
      };
    }
    case DAO.event.MemberTransferred: {
      // The leaver's position moved to another organisation: its workloads go as an exit's would
      // (the recipient's part is the infrastructure's to name, by a change of infrastructure).
      const parsed = DAO.events.MemberTransferred.safeParse(payload);
      if (!parsed.success) throw new InvalidLedgerEventError(`${event.eventName} on ${event.channel}: no from`);
      const base = { daoId: channel.daoId, version: channel.level };
      return { type: 'member-left', ...base, mspId: parsed.data.from, dissolved: false, job: { kind: 'remove', ...base, mspId: parsed.data.from } };
    }
    default: {
      const effect = payload['effect'];
      const requested = effect !== null && typeof effect === 'object' ? (effect as Record<string, unknown>)['infrastructureRequested'] : undefined;
      if (event.eventName === DAO.event.ProposalDecided && requested !== undefined) {
        const r = requested as { revision?: unknown; spec?: unknown };
        const spec = infrastructureSpecSchema.safeParse(r.spec);
        if (typeof r.revision !== 'number' || !Number.isInteger(r.revision) || r.revision < 1 || !spec.success) throw new InvalidLedgerEventError(`${event.eventName} on ${event.channel}: infrastructureRequested needs a revision and a spec`);
        const base = { daoId: channel.daoId, version: channel.level };
        return { type: 'revision', ...base, revision: r.revision, spec: spec.data, job: { kind: 'apply', ...base, revision: r.revision } };
      }
      const dissolved = payload['dissolved'] === true || (effect !== null && typeof effect === 'object' && (effect as Record<string, unknown>)['dissolved'] === true);
      if (!dissolved) return undefined;
      return { type: 'dissolved', daoId: channel.daoId, version: channel.level, job: { kind: 'destroy', daoId: channel.daoId, version: channel.level } };
    }
  }
}

export { jobIdOf };

/** sha256 hex of tofu's outputs JSON in canonical form (key order and spacing do not change it). */
export function outputsDigest(outputsJson: string): string {
  return createHash('sha256').update(canonicalJson(JSON.parse(outputsJson) as unknown)).digest('hex');
}

/** The channel and chaincode a command goes to: a DAO version's. */
export type VersionTarget = Pick<DesiredVersion, 'daoId' | 'version' | 'chaincode'>;

/**
 * Command ids are fixed by what they report, so a re-run job or redelivered event submits nothing twice.
 * A workload may be registered on several channels of its DAO (carry-over), so the register id names the channel.
 */
export function registerWorkloadCommand(target: VersionTarget, workload: { workloadId: string; owner: string; publicKeyPem: string }): LedgerCommand {
  const channel = daoChannelName(target.daoId, target.version);
  return DAO.command(
    DAO.tx.RegisterWorkload,
    { commandId: ledgerCommandId('provisioner', 'register', channel, workload.workloadId), channel, chaincode: target.chaincode, actingMspId: workload.owner },
    // Keys in sorted order (here and below): the argument text stays the canonical JSON it was.
    { publicKeyPem: workload.publicKeyPem, workloadId: workload.workloadId },
  );
}

/** A workload this provisioner built for some version of a DAO, as carry-over reads it. */
export interface BuiltWorkload {
  readonly workloadId: string;
  readonly daoId: string;
  readonly version: number;
  readonly owner: string;
  readonly publicKeyPem: string;
  readonly status: 'active' | 'destroyed';
}

/**
 * Carry-over: a member of version i sits in every later version's channel (version n's members are
 * D ∪ J_1..J_n), and each channel judges abandonment from its own telemetry, so the member's running
 * workloads of earlier versions are registered on `target`'s channel too, with the same id and key,
 * as their owner. Only workloads of earlier versions of the same DAO, still running, whose owner is an
 * active member of `target` (not removed, version not dissolved); in member mode only `member`'s own.
 * A workload already registered there is answered CONFLICT by the chaincode, which changes nothing.
 */
export function carryOverCommands(target: DesiredVersion, built: readonly BuiltWorkload[], member?: string): LedgerCommand[] {
  if (target.dissolved) return [];
  const removed = new Set(target.removedMembers);
  const sitting = new Set(target.members.map((m) => m.mspId).filter((m) => !removed.has(m)));
  return built
    .filter((w) => w.daoId === target.daoId && w.version < target.version && w.status === 'active' && w.publicKeyPem !== '' && sitting.has(w.owner) && (member === undefined || w.owner === member))
    .sort((a, b) => (a.workloadId < b.workloadId ? -1 : a.workloadId > b.workloadId ? 1 : 0))
    .map((w) => registerWorkloadCommand(target, w));
}

/**
 * `resources`: the number of workloads and, when this provisioner runs MPC meshes, the version's nodes as
 * the coordinator reaches them (`mpcNodes`: workload, owner, party index, control URL; empty when the
 * version has no mesh, which clears the coordinator's earlier registrations).
 */
export function provisionedCommand(
  desired: DesiredVersion,
  digest: string,
  workloads: number,
  mpcNodes?: ReadonlyArray<{ workloadId: string; owner: string; partyIndex: number; controlUrl: string }>,
): LedgerCommand {
  return DAO.command(
    DAO.tx.InfrastructureProvisioned,
    { commandId: ledgerCommandId('provisioner', 'provisioned', desired.daoId, `v${desired.version}`, `r${desired.revision}`), channel: daoChannelName(desired.daoId, desired.version), chaincode: desired.chaincode, actingMspId: dspOf(desired.members) },
    { outputsDigest: digest, resources: mpcNodes ? { mpcNodes: mpcNodes.map((n) => ({ ...n })), workloads } : { workloads }, revision: desired.revision },
  );
}

/**
 * Member mode: `member`'s own part of the revision, reported as that member
 * (`InfrastructurePartProvisioned`); the chaincode marks the revision provisioned once every part is in,
 * with every part's `mpcNodes` (the nodes the member runs in its domain, their endpoints and certificates).
 */
export function partProvisionedCommand(desired: DesiredVersion, member: string, digest: string, workloads: number, mpcNodes?: ReadonlyArray<Record<string, string | number>>): LedgerCommand {
  return DAO.command(
    DAO.tx.InfrastructurePartProvisioned,
    { commandId: ledgerCommandId('provisioner', 'provisioned', desired.daoId, `v${desired.version}`, `r${desired.revision}`, member), channel: daoChannelName(desired.daoId, desired.version), chaincode: desired.chaincode, actingMspId: member },
    { outputsDigest: digest, resources: mpcNodes && mpcNodes.length > 0 ? { mpcNodes: mpcNodes.map((n) => ({ ...n })), workloads } : { workloads }, revision: desired.revision },
  );
}

/** Member mode: `member` could not build its part; the revision has failed. */
export function partFailedCommand(desired: DesiredVersion, member: string, reason: string): LedgerCommand {
  return DAO.command(
    DAO.tx.InfrastructurePartFailed,
    { commandId: ledgerCommandId('provisioner', 'failed', desired.daoId, `v${desired.version}`, `r${desired.revision}`, member), channel: daoChannelName(desired.daoId, desired.version), chaincode: desired.chaincode, actingMspId: member },
    { reason: failureText(reason), revision: desired.revision },
  );
}

const failureText = (reason: string) => (reason.trim() === '' ? 'provisioning failed' : reason.trim().slice(0, 1000));

export function failedCommand(desired: DesiredVersion, reason: string): LedgerCommand {
  const text = failureText(reason);
  return DAO.command(
    DAO.tx.InfrastructureFailed,
    { commandId: ledgerCommandId('provisioner', 'failed', desired.daoId, `v${desired.version}`, `r${desired.revision}`), channel: daoChannelName(desired.daoId, desired.version), chaincode: desired.chaincode, actingMspId: dspOf(desired.members) },
    { reason: text, revision: desired.revision },
  );
}
