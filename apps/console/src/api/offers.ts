import { ApiError, marketplace, member, unwrap, type NewOffer, type OfferPatch } from './client';

/** How long the catalogue may take to list an offer its owner's bridge put on the ledger (the operator's bridge relays OfferPosted). */
const LISTED_MS = 60_000;
const RETRY_MS = 1000;

/**
 * Posts an offer as the signed-in organisation. An organisation in its own trust domain (a console
 * served with its own ledger bridge behind it) signs PostOffer through that bridge: the operator's
 * services hold no key of it. The ledger then holds the description's SHA-256 only, so the page
 * gives the catalogue the text once the marketplace has the offer from the ledger. Otherwise the
 * marketplace posts it (its own command to the operator's bridge). Answers the offer's id.
 */
export async function postOffer(offer: NewOffer, ownBridge: boolean): Promise<{ offerId: string }> {
  if (!ownBridge) return unwrap(await marketplace.POST('/offers', { body: offer }));
  const { offer: onLedger } = unwrap(await member.POST('/offers', { body: offer }));
  await describeWhenListed(onLedger.offerId, offer.description);
  return { offerId: onLedger.offerId };
}

/**
 * Changes one of the signed-in organisation's offers: through its own bridge (UpdateOffer signed by
 * it) when it is in its own trust domain, and then, for a new description, gives the catalogue the
 * text once the marketplace holds the new revision's digest; otherwise through the marketplace.
 */
export async function updateOffer(offerId: string, patch: OfferPatch, ownBridge: boolean): Promise<void> {
  if (!ownBridge) {
    unwrap(await marketplace.PATCH('/offers/{offerId}', { params: { path: { offerId } }, body: patch }));
    return;
  }
  unwrap(await member.PATCH('/offers/{offerId}', { params: { path: { offerId } }, body: patch }));
  if (patch.description !== undefined) await describeWhenListed(offerId, patch.description);
}

/** Withdraws one of the signed-in organisation's offers: through its own bridge when it is in its own trust domain, else through the marketplace. */
export async function withdrawOffer(offerId: string, ownBridge: boolean): Promise<void> {
  if (ownBridge) unwrap(await member.DELETE('/offers/{offerId}', { params: { path: { offerId } } }));
  else unwrap(await marketplace.DELETE('/offers/{offerId}', { params: { path: { offerId } } }));
}

/**
 * Gives the marketplace the text of a description the ledger holds as a digest, retrying while the
 * ledger's event is on its way: the offer not listed yet (404), or listed with the previous
 * revision's digest (409 DESCRIPTION_DIGEST_MISMATCH).
 */
async function describeWhenListed(offerId: string, description: string): Promise<void> {
  const deadline = Date.now() + LISTED_MS;
  for (;;) {
    try {
      unwrap(await marketplace.PUT('/offers/{offerId}/description', { params: { path: { offerId } }, body: { description } }));
      return;
    } catch (error) {
      const onItsWay = error instanceof ApiError && (error.status === 404 || (error.status === 409 && error.code === 'DESCRIPTION_DIGEST_MISMATCH'));
      if (!onItsWay || Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }
}
