import { z } from 'zod';
import { DAO, parseDaoChannel, type LedgerEvent } from '@datawell/contracts';

/** The parts of the dao chaincode's events telemetry reads (the catalogue's payloads, with what telemetry needs required); extra fields are ignored. */
const msp = z.string().min(1);
const ms = z.number().int().nonnegative();

const terms = z.object({
  heartbeatIntervalSeconds: z.number().int().nonnegative(),
  abandonAfterSeconds: z.number().int().nonnegative(),
  durationDays: z.number().int().positive().optional(),
});
/**
 * The infrastructure a version requests (VersionCreated, an accepted change-infrastructure): telemetry
 * reads only whose workloads it names. Unreadable counts as absent (expectations unknown), so a spec
 * telemetry cannot read never keeps the version itself out of the read model.
 */
const infrastructureRequested = z
  .object({ spec: z.object({ workloads: z.array(z.object({ owner: msp })) }) })
  .optional()
  .catch(undefined);
const versionCreated = DAO.events.VersionCreated.extend({ terms, createdAtMs: ms.optional(), contractEndsAtMs: ms.optional(), infrastructureRequested });

const DAY_MS = 86_400_000;
const telemetryRecorded = DAO.events.TelemetryRecorded.extend({
  snapshotId: z.string().min(1),
  workloads: z.array(z.object({ workloadId: z.string().min(1), owner: msp, lastSeq: ms, lastHeartbeatMs: ms })),
});
const proposalDecided = DAO.events.ProposalDecided.extend({
  outcome: z.string().optional(),
  effect: z
    .object({
      dissolved: z.boolean().optional(),
      terms: terms.optional(),
      infrastructureRequested,
    })
    .nullish(),
});

/** How many workloads an infrastructure spec names each member the owner of (members it does not name: none). */
export type ExpectedWorkloads = Readonly<Record<string, number>>;

function expectedWorkloadsOf(requested: z.output<typeof infrastructureRequested>): ExpectedWorkloads | null {
  if (!requested) return null;
  const counts: Record<string, number> = {};
  for (const w of requested.spec.workloads) counts[w.owner] = (counts[w.owner] ?? 0) + 1;
  return counts;
}

/** One change to the read models, decided from a ledger event without I/O. */
export type Projection =
  | {
      readonly kind: 'version-created';
      readonly channel: string;
      readonly daoId: string;
      readonly version: number;
      readonly heartbeatIntervalSeconds: number;
      readonly abandonAfterSeconds: number;
      readonly createdAtMs: number;
      readonly contractEndsAtMs: number | null;
      readonly members: ReadonlyArray<{ mspId: string; group: string; role: string }>;
      /** From the requested infrastructure; null when the event carries none telemetry can read. */
      readonly expectedWorkloads: ExpectedWorkloads | null;
    }
  | {
      readonly kind: 'workload-registered';
      readonly channel: string;
      readonly workloadId: string;
      readonly owner: string;
      readonly daoId: string;
      readonly version: number;
      readonly keyType: string | null;
      readonly publicKeyPem: string | null;
      readonly registeredAtMs: number;
    }
  | { readonly kind: 'member-ended'; readonly channel: string; readonly mspId: string; readonly status: 'abandoned' | 'exited'; readonly endedAtMs: number; readonly dissolved: boolean }
  | {
      readonly kind: 'telemetry-recorded';
      readonly channel: string;
      readonly snapshotId: string;
      readonly workloads: ReadonlyArray<{ workloadId: string; owner: string; lastSeq: number; lastHeartbeatMs: number }>;
    }
  | { readonly kind: 'terms-changed'; readonly channel: string; readonly heartbeatIntervalSeconds: number; readonly abandonAfterSeconds: number; readonly durationDays?: number }
  | { readonly kind: 'dissolved'; readonly channel: string }
  /** An accepted change-infrastructure: the new spec's expectations, from `atMs` for a member it names first. */
  | { readonly kind: 'infrastructure-changed'; readonly channel: string; readonly expectedWorkloads: ExpectedWorkloads; readonly atMs: number };

export class ProjectionError extends Error {
  override readonly name = 'ProjectionError';
  readonly code = 'MALFORMED_LEDGER_EVENT';
}

function parse<T extends z.ZodType>(schema: T, event: LedgerEvent): z.output<T> {
  const result = schema.safeParse(event.payload);
  if (!result.success) {
    throw new ProjectionError(`${event.eventName} on ${event.channel}: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return result.data;
}

/**
 * What a dao chaincode event changes in telemetry's read models (nothing for events it ignores).
 * `eventTimeMs` stands in for times the payload lacks. Throws ProjectionError for a payload it
 * cannot read, which the consumer logs and skips.
 */
export function projectLedgerEvent(event: LedgerEvent, eventTimeMs: number): Projection[] {
  if (event.chaincodeId !== DAO.chaincode || event.payloadEncoding !== 'json') return [];
  const channel = event.channel;
  switch (event.eventName) {
    case DAO.event.VersionCreated: {
      const p = parse(versionCreated, event);
      // The chaincode's own transaction time when the payload carries it (as its rules use), else the event's.
      const createdAtMs = p.createdAtMs ?? eventTimeMs;
      const contractEndsAtMs = p.contractEndsAtMs ?? (p.terms.durationDays === undefined ? null : createdAtMs + p.terms.durationDays * DAY_MS);
      return [
        {
          kind: 'version-created',
          channel,
          daoId: p.daoId,
          version: p.version,
          heartbeatIntervalSeconds: p.terms.heartbeatIntervalSeconds,
          abandonAfterSeconds: p.terms.abandonAfterSeconds,
          createdAtMs,
          contractEndsAtMs,
          members: p.members.map(({ mspId, group, role }) => ({ mspId, group, role })),
          expectedWorkloads: expectedWorkloadsOf(p.infrastructureRequested),
        },
      ];
    }
    case DAO.event.WorkloadRegistered: {
      const p = parse(DAO.events.WorkloadRegistered, event);
      const dao = parseDaoChannel(channel);
      const daoId = p.daoId ?? dao?.daoId;
      const version = p.version ?? dao?.level;
      if (daoId === undefined || version === undefined) throw new ProjectionError(`${event.eventName} on ${channel}: no DAO id or version`);
      return [
        {
          kind: 'workload-registered',
          channel,
          workloadId: p.workloadId,
          owner: p.owner,
          daoId,
          version,
          keyType: p.keyType ?? null,
          publicKeyPem: p.publicKeyPem ?? null,
          registeredAtMs: eventTimeMs,
        },
      ];
    }
    case DAO.event.MemberAbandoned:
    case DAO.event.MemberExited: {
      const p = parse(DAO.events.MemberExited, event);
      const abandoned = event.eventName === DAO.event.MemberAbandoned;
      return [
        {
          kind: 'member-ended',
          channel,
          mspId: p.mspId,
          status: abandoned ? 'abandoned' : 'exited',
          endedAtMs: (abandoned ? p.decidedAtMs : p.exitedAtMs) ?? eventTimeMs,
          dissolved: p.dissolved ?? false,
        },
      ];
    }
    case DAO.event.TelemetryRecorded: {
      const p = parse(telemetryRecorded, event);
      return [{ kind: 'telemetry-recorded', channel, snapshotId: p.snapshotId, workloads: p.workloads }];
    }
    case DAO.event.ProposalDecided: {
      const p = parse(proposalDecided, event);
      const out: Projection[] = [];
      if (p.effect?.terms) out.push({ kind: 'terms-changed', channel, ...p.effect.terms });
      const expectedWorkloads = expectedWorkloadsOf(p.effect?.infrastructureRequested);
      if (expectedWorkloads) out.push({ kind: 'infrastructure-changed', channel, expectedWorkloads, atMs: eventTimeMs });
      if (p.effect?.dissolved) out.push({ kind: 'dissolved', channel });
      return out;
    }
    default:
      return [];
  }
}
