import { randomUUID } from 'node:crypto';
import type { Principal } from '@datawell/auth';
import { idSchema, MARKETPLACE, MARKETPLACE_CHANNEL, newOfferSchema, offerPatchSchema, offerUpdateArgument, postOfferArgument, type IntegerJson, type Invocation } from '@datawell/contracts';
import { AdminError } from '../admin/admin.errors';
import { ledgerRefusal, ownOrganisationOnly, parse, type MemberLedger } from '../admin/member-dao';

/** An offer as the marketplace chaincode holds it (GetOffer): the description only as its digest. */
export interface LedgerOfferView {
  readonly offerId: string;
  readonly owner: string;
  readonly kind: 'data' | 'value';
  readonly title: string;
  readonly terms: Record<string, IntegerJson>;
  readonly descriptionDigest: string;
  readonly status: 'open' | 'withdrawn';
  readonly revision: number;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
}

/** What a write of an offer through the member's own bridge answers: its transaction and the offer as the chaincode then holds it. */
export interface MemberOfferWrite {
  readonly txId: string;
  readonly offer: LedgerOfferView;
}

/** The chaincode's FORBIDDEN to a caller that is suspended, or not a registered participant, whatever it asked. */
function participantRefusal(message: string): AdminError | undefined {
  if (/ is suspended and may not /.test(message)) return new AdminError('PARTICIPANT_SUSPENDED', message);
  if (/ is not a registered participant/.test(message)) return new AdminError('NOT_A_PARTICIPANT', message);
  return undefined;
}
const noOffer = (message: string) => new AdminError('OFFER_NOT_FOUND', message);

function offerIdOf(param: string): string {
  if (!idSchema.safeParse(param).success) throw new AdminError('INVALID_REQUEST', 'offerId: must be 1-128 letters, digits, ".", "_", ":" or "-"');
  return param;
}

/**
 * Offers as the member itself: PostOffer, UpdateOffer and WithdrawOffer on the marketplace channel,
 * signed by the member's identity in its own domain and endorsed through its own peer. The operator's
 * marketplace service cannot do this for an organisation of a domain (its bridge holds none of its
 * keys); it learns of the offer from the chaincode's events, as of every offer. The body follows the
 * marketplace's own rules (@datawell/contracts' offer-request); the full description stays here, the
 * ledger holds its SHA-256.
 */
export class MemberOffers {
  constructor(private readonly ledger: MemberLedger) {}

  async post(principal: Principal, body: unknown): Promise<MemberOfferWrite> {
    this.#own(principal);
    const offer = parse(newOfferSchema, body ?? {});
    // The chaincode decides too; asking first answers the caller with a code of its own, not the chaincode's text.
    const self = await this.#participant();
    if (self.status === 'suspended') throw new AdminError('PARTICIPANT_SUSPENDED', `${this.ledger.mspId} is suspended by the marketplace's governance and may not post offers`);
    const allowed = self.role === 'DSP' ? 'data' : 'value';
    if (offer.kind !== allowed) throw new AdminError('OFFER_KIND_NOT_ALLOWED', `${this.ledger.mspId} is a ${self.role} and posts ${allowed} offers only`);
    const argument = postOfferArgument(`off-${randomUUID()}`, offer);
    const txId = await this.#submit(MARKETPLACE.invocation(MARKETPLACE.tx.PostOffer, argument), {
      CONFLICT: (message) => new AdminError('OFFER_EXISTS', message),
      FORBIDDEN: (message) => participantRefusal(message) ?? new AdminError('NOT_A_PARTICIPANT', message),
    });
    return { txId, offer: await this.#offer(argument.offerId) };
  }

  async update(principal: Principal, offerIdParam: string, body: unknown): Promise<MemberOfferWrite> {
    this.#own(principal);
    const offerId = offerIdOf(offerIdParam);
    const patch = parse(offerPatchSchema, body ?? {});
    const current = await this.#ownOpenOffer(offerId, 'update');
    const update = offerUpdateArgument(offerId, current.kind, current.terms, patch);
    if ('problem' in update) throw new AdminError('INVALID_REQUEST', update.problem);
    const txId = await this.#submit(MARKETPLACE.invocation(MARKETPLACE.tx.UpdateOffer, update.argument), this.#offerRefusals());
    return { txId, offer: await this.#offer(offerId) };
  }

  async withdraw(principal: Principal, offerIdParam: string): Promise<MemberOfferWrite> {
    this.#own(principal);
    const offerId = offerIdOf(offerIdParam);
    await this.#ownOpenOffer(offerId, 'withdraw');
    const txId = await this.#submit(MARKETPLACE.invocation(MARKETPLACE.tx.WithdrawOffer, offerId), this.#offerRefusals());
    return { txId, offer: await this.#offer(offerId) };
  }

  #own(principal: Principal): void {
    ownOrganisationOnly(this.ledger.mspId, principal);
  }

  /** The offer, this member's and open, as its own peer reads it: checked before submitting so the answer names the reason. */
  async #ownOpenOffer(offerId: string, action: string): Promise<LedgerOfferView> {
    const offer = await this.#offer(offerId);
    if (offer.owner !== this.ledger.mspId) throw new AdminError('NOT_OFFER_OWNER', `${this.ledger.mspId} does not own offer ${offerId} and may not ${action} it`);
    if (offer.status !== 'open') throw new AdminError('OFFER_NOT_OPEN', `offer ${offerId} is ${offer.status}, not open`);
    return offer;
  }

  /** UpdateOffer's and WithdrawOffer's refusals: gone, not the caller's (or the caller suspended), no longer open. */
  #offerRefusals() {
    return {
      NOT_FOUND: noOffer,
      FORBIDDEN: (message: string) => participantRefusal(message) ?? new AdminError('NOT_OFFER_OWNER', message),
      CONFLICT: (message: string) => new AdminError('OFFER_NOT_OPEN', message),
    };
  }

  async #submit(call: Invocation, meaning: Parameters<typeof ledgerRefusal>[2]): Promise<string> {
    try {
      return (await this.ledger.submit(MARKETPLACE_CHANNEL, call.chaincode, call.transaction, call.arguments)).txId;
    } catch (error) {
      throw ledgerRefusal(error, MARKETPLACE_CHANNEL, meaning);
    }
  }

  async #offer(offerId: string): Promise<LedgerOfferView> {
    return (await this.#evaluate(MARKETPLACE.invocation(MARKETPLACE.tx.GetOffer, offerId), { NOT_FOUND: noOffer })) as LedgerOfferView;
  }

  async #participant(): Promise<{ role: 'DSP' | 'VSP'; status: 'active' | 'suspended' }> {
    const notRegistered = () => new AdminError('NOT_A_PARTICIPANT', `${this.ledger.mspId} is not a registered participant of the marketplace`);
    return (await this.#evaluate(MARKETPLACE.invocation(MARKETPLACE.tx.GetParticipant, this.ledger.mspId), { NOT_FOUND: notRegistered })) as { role: 'DSP' | 'VSP'; status: 'active' | 'suspended' };
  }

  async #evaluate(call: Invocation, meaning: Parameters<typeof ledgerRefusal>[2]): Promise<unknown> {
    try {
      return JSON.parse(await this.ledger.evaluate(this.ledger.mspId, MARKETPLACE_CHANNEL, call.chaincode, call.transaction, call.arguments)) as unknown;
    } catch (error) {
      throw ledgerRefusal(error, MARKETPLACE_CHANNEL, meaning);
    }
  }
}
