import { ApiError, marketplace, member, unwrap, type NewOffer } from './client';

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

async function describeWhenListed(offerId: string, description: string): Promise<void> {
  const deadline = Date.now() + LISTED_MS;
  for (;;) {
    try {
      unwrap(await marketplace.PUT('/offers/{offerId}/description', { params: { path: { offerId } }, body: { description } }));
      return;
    } catch (error) {
      // Not in the catalogue yet: the ledger event is on its way to the marketplace.
      if (!(error instanceof ApiError && error.status === 404) || Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }
}
