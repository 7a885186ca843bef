import type { Context } from 'fabric-contract-api';
import { canonicalJson, conflict, emitPrivate, forbidden, txTimeMs } from '@datawell/chaincode-common';
import { DAO, type UsageRecord } from '@datawell/contracts';
import type { UsageEntry } from '../arguments';
import { DaoStore } from '../state';

/*
 * The data owner's usage trail (DESIGN.md, MPC): one entry per computation request on the version's
 * channel, under `usage~<dataset>~<usageId>`, so a dataset's trail is one partial-key range read.
 *
 * Who records: a granted request by its requester (an active member, as ComputationCompleted: the
 * operator-run MPC coordinator's command, signed through the requester's own bridge) or, in a DAO of
 * trust domains, by a recipient of its result (an active member the terms name, whose own MPC node
 * received the result and whose bridge recorded the computation's ComputationCompleted with the same
 * digest); a failed request by its requester or the dataset's owner (whose node saw it fail); a
 * refused request by the dataset's owner, whose trail it is — the requester of a refused request may
 * be no active member, or no member at all, and could not sign on the channel. A granted or failed
 * entry is held to the version's terms (the computation allowed, exactly its recipients), as
 * ComputationCompleted is.
 */

/** Records one usage entry; a retried identical entry returns the stored one, another with the same id is a CONFLICT. */
export async function recordUsage(ctx: Context, usage: UsageEntry): Promise<string> {
  const store = new DaoStore(ctx);
  const version = await store.version();
  const owner = await store.member(usage.dataset.owner);
  if (!owner || owner.role !== 'DSP') throw forbidden(`dataset.owner: ${usage.dataset.owner} is not a data owner (DSP) of this version`);
  if (usage.outcome === 'refused') {
    const caller = await store.caller('record a refused request');
    if (caller.mspId !== usage.dataset.owner) throw forbidden(`${caller.mspId} may not record a refused request on ${usage.dataset.owner}'s dataset: its owner records refusals`);
  } else {
    const caller = await store.activeCaller(`record a ${usage.outcome} request`);
    if (version.status !== 'active') throw conflict(`DAO ${version.daoId} is dissolved`);
    const allowed = version.terms.computations.find((c) => c.name === usage.computation);
    if (!allowed) throw forbidden(`computation ${usage.computation} is not allowed by the terms of this version`);
    if (canonicalJson([...usage.recipients].sort()) !== canonicalJson([...allowed.resultRecipients].sort())) {
      throw forbidden(`usage.recipients: computation ${usage.computation} goes to ${allowed.resultRecipients.join(', ')} by the terms`);
    }
    if (caller.mspId !== usage.requester.mspId) {
      if (usage.outcome === 'failed' && caller.mspId !== usage.dataset.owner) {
        throw forbidden(`${caller.mspId} may not record ${usage.requester.mspId}'s failed request: its requester or the dataset's owner records it`);
      }
      if (usage.outcome === 'granted') {
        if (!allowed.resultRecipients.includes(caller.mspId)) throw forbidden(`${caller.mspId} may not record ${usage.requester.mspId}'s granted request: its requester or a recipient of its result records it`);
        // A recipient records what it holds: the computation's ComputationCompleted, with this digest.
        const completed = await store.get<{ computation: string; resultDigest: string }>('computation', usage.usageId);
        if (!completed || completed.computation !== usage.computation || completed.resultDigest !== usage.resultDigest) {
          throw forbidden(`${caller.mspId} may record ${usage.requester.mspId}'s granted request ${usage.usageId} only after its ComputationCompleted, with the same computation and result digest`);
        }
      }
    }
  }
  const previous = await store.get<UsageRecord>('usage', usage.dataset.name, usage.usageId);
  if (previous) {
    const { recordedBy: _by, atMs: _at, txId: _tx, ...entry } = previous;
    if (canonicalJson(entry) === canonicalJson(usage)) return canonicalJson(previous); // a retried record
    throw conflict(`usage ${usage.usageId} of dataset ${usage.dataset.name} is already recorded otherwise`);
  }
  const record = { ...usage, recordedBy: ctx.clientIdentity.getMSPID(), atMs: txTimeMs(ctx), txId: ctx.stub.getTxID() };
  await store.put(record, 'usage', usage.dataset.name, usage.usageId);
  emitPrivate(ctx, DAO.emitted(DAO.event.UsageRecorded, record));
  return canonicalJson(record);
}

/** A dataset's trail on this channel, oldest first (transaction time, then transaction id); members only. */
export async function getUsage(ctx: Context, dataset: string): Promise<string> {
  const store = new DaoStore(ctx);
  await store.version();
  await store.caller('read the usage trail');
  const entries = (await store.list<UsageRecord>('usage', dataset)).sort((a, b) => a.atMs - b.atMs || (a.txId < b.txId ? -1 : a.txId > b.txId ? 1 : 0));
  return canonicalJson({ dataset, entries });
}
