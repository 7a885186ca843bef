import { DAO, decodeLedgerEvent, parseDaoChannel, type LedgerEvent } from '@datawell/contracts';
import { z } from 'zod';
import type { AgreementMember } from '../sessions/agreement';
import { periodGridOf, type PeriodGrid } from '../sessions/period-grid';

const versionCreated = DAO.events.VersionCreated.extend({ agreementId: z.string().min(1) });

export type DaoUpdate =
  | {
      readonly kind: 'version';
      readonly eventId: string;
      readonly daoId: string;
      readonly version: number;
      readonly agreementId: string;
      readonly members: AgreementMember[];
      /** A subscription's grid of periods, its origin included (the version's creation unless its terms name one). */
      readonly grid?: PeriodGrid;
    }
  | { readonly kind: 'departure'; readonly eventId: string; readonly daoId: string; readonly version: number; readonly mspId: string; readonly status: 'abandoned' | 'exited'; readonly dissolved: boolean };

/** What a relayed ledger event (one Kafka message) changes in the DAO read model, if anything. */
export function daoUpdateOf(value: Buffer | null, warn: (problem: string) => void): DaoUpdate | undefined {
  let event;
  try {
    event = decodeLedgerEvent(value);
  } catch (error) {
    warn(String(error));
    return undefined;
  }
  return daoUpdateOfEvent(event.id, event.data, warn);
}

/** The pure decision: what a decoded ledger event (CloudEvent `id`, relayed `data`) changes in the DAO read model. */
export function daoUpdateOfEvent(id: string, data: LedgerEvent, warn: (problem: string) => void): DaoUpdate | undefined {
  const channel = parseDaoChannel(data.channel);
  if (!channel) return undefined;
  if (data.eventName === DAO.event.VersionCreated) {
    const payload = versionCreated.safeParse(data.payload);
    if (!payload.success || payload.data.daoId !== channel.daoId || payload.data.version !== channel.level) {
      warn(`${data.eventName} ${id} on ${data.channel} without a usable version`);
      return undefined;
    }
    const { daoId, version, agreementId, members, terms, createdAtMs } = payload.data;
    const grid = periodGridOf(terms, createdAtMs);
    return {
      kind: 'version',
      eventId: id,
      daoId,
      version,
      agreementId,
      members: members.map(({ mspId, group, role, weight, ownershipPpm }) => ({ mspId, group, role, weight, ownershipPpm })),
      ...(grid ? { grid } : {}),
    };
  }
  if (data.eventName === DAO.event.MemberAbandoned || data.eventName === DAO.event.MemberExited) {
    const payload = DAO.events.MemberExited.safeParse(data.payload);
    if (!payload.success) {
      warn(`${data.eventName} ${id} without a member`);
      return undefined;
    }
    return {
      kind: 'departure',
      eventId: id,
      daoId: channel.daoId,
      version: channel.level,
      mspId: payload.data.mspId,
      status: data.eventName === DAO.event.MemberAbandoned ? 'abandoned' : 'exited',
      dissolved: payload.data.dissolved ?? false,
    };
  }
  return undefined;
}
