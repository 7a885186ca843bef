import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { z } from 'zod';
import { idSchema, MSP_ID_PATTERN, newOfferSchema, offerDescriptionSchema, offerPatchSchema } from '@datawell/contracts';
import { serviceUrl } from '@datawell/stack';
import { stackContext } from '../context';
import { memberBridge, through, type MemberBridge } from '../services/member-bridge';
import { UsageError } from '../usage-error';
import { readJson } from './dao';

/** An offer as the member's bridge answers a write: its transaction and the offer as the chaincode holds it. */
interface OfferWrite {
  txId: string;
  offer: { offerId: string; owner: string; kind: string; title: string; status: string; revision: number; descriptionDigest: string; terms: Record<string, unknown> };
}

function checkMember(mspId: string): string {
  if (!MSP_ID_PATTERN.test(mspId)) throw new UsageError(`<MSPID> must be an MSP id (letters and digits ending in "MSP"), got "${mspId}"`);
  return mspId;
}

function checkOfferId(id: string): string {
  if (!idSchema.safeParse(id).success) throw new UsageError(`--id must be 1-128 letters, digits, ".", "_", ":" or "-", got "${id}"`);
  return id;
}

/** A body from a JSON option, checked with the marketplace's own rules before anything is sent (the bridge checks again). */
function body(schema: z.ZodType, text: string, option: string): unknown {
  const value = readJson(text, option);
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`${option}: ${issue?.path.join('.') || 'body'}: ${issue?.message}`);
  }
  // As given: the bridge normalises (tags) and answers what the ledger holds.
  return value;
}

function readText(file: string, option: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${option}: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

/** How long the catalogue may take to see the ledger's event of a write before its description can be given. */
const CATALOGUE_WAIT_MS = 90_000;

/**
 * Gives the marketplace's catalogue the description's text (PUT /offers/:id/description, signed in
 * as the member's person): the bridge sent only its SHA-256 to the ledger. Waits while the marketplace
 * has not yet read the write's event (404 OFFER_NOT_FOUND, and after a write of this run 409
 * DESCRIPTION_DIGEST_MISMATCH while it still holds the previous digest). Resolves the catalogue's URL
 * of the offer.
 */
async function giveDescription(marketplace: string, bridge: MemberBridge, offerId: string, description: string, justWritten: boolean): Promise<string> {
  const { login } = await import('../services/testing-lazy'); // loaded here only: see member-bridge.ts
  const token = await login(marketplace, bridge.person);
  const deadline = Date.now() + CATALOGUE_WAIT_MS;
  for (;;) {
    const response = await fetch(`${marketplace}/offers/${encodeURIComponent(offerId)}/description`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ description }),
      signal: AbortSignal.timeout(30_000),
    });
    if (response.ok) return `${marketplace}/offers/${offerId}`;
    const answer = (await response.json().catch(() => ({}))) as { code?: string; message?: string };
    const pending = answer.code === 'OFFER_NOT_FOUND' || (justWritten && answer.code === 'DESCRIPTION_DIGEST_MISMATCH');
    if (!pending || Date.now() > deadline) {
      throw new Error(`the marketplace did not take the description of offer ${offerId}: ${response.status} ${answer.code}: ${answer.message} (the offer is on the ledger; ./dev offer describe ${bridge.mspId} --id ${offerId} --description … gives it again)`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

const describe = (w: OfferWrite, did: string) => `offer ${w.offer.offerId} (${w.offer.kind}, "${w.offer.title}") ${did} by ${w.offer.owner}: ${w.offer.status}, revision ${w.offer.revision} (tx ${w.txId})`;
const print = (json: boolean | undefined, value: unknown, text: string) => process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${text}\n`);

export function registerOfferCommands(program: Command): void {
  const offer = program
    .command('offer')
    .description("a member's offers on the marketplace through its own ledger bridge, signed by its own identity in its domain (an organisation in its own trust domain cannot use the marketplace service's offer routes): post, edit, withdraw");
  const member = (c: Command) => c.argument('<MSPID>', 'the member that acts (a member domain of this stack)').option('--json', 'one JSON object on stdout');

  member(offer.command('post').description('post an offer (PostOffer): data offers from a DSP, value offers from a VSP; the description stays off the ledger, its SHA-256 goes on it'))
    .requiredOption('--offer <json>', 'the offer as the marketplace takes it, JSON or @file: {kind: "data", title, description, tags?, schema, updateFrequency, source} or {kind: "value", title, description, tags?, service, computations, infrastructure}')
    .action(async (mspId: string, o: { offer: string; json?: boolean }) => {
      const m = checkMember(mspId);
      const input = body(newOfferSchema, o.offer, '--offer');
      const ctx = stackContext();
      const bridge = await memberBridge(ctx, m);
      const posted = await through(() => bridge.call<OfferWrite>('POST', '/offers', input));
      const catalogue = await giveDescription(serviceUrl(ctx.settings, 'marketplace'), bridge, posted.offer.offerId, (input as { description: string }).description, true);
      print(o.json, { ...posted, catalogue }, `${describe(posted, 'posted')}; described in the catalogue at ${catalogue}`);
    });

  member(offer.command('edit').description("change one of the member's open offers (UpdateOffer): any field but the kind"))
    .requiredOption('--id <offerId>', 'the offer')
    .requiredOption('--changes <json>', 'the fields to change, JSON or @file (title, description, tags, or the kind\'s fields; at least one)')
    .action(async (mspId: string, o: { id: string; changes: string; json?: boolean }) => {
      const m = checkMember(mspId);
      const offerId = checkOfferId(o.id);
      const changes = body(offerPatchSchema, o.changes, '--changes');
      const ctx = stackContext();
      const bridge = await memberBridge(ctx, m);
      const edited = await through(() => bridge.call<OfferWrite>('PATCH', `/offers/${offerId}`, changes));
      const text = (changes as { description?: string }).description;
      const catalogue = text === undefined ? undefined : await giveDescription(serviceUrl(ctx.settings, 'marketplace'), bridge, offerId, text, true);
      print(o.json, { ...edited, ...(catalogue ? { catalogue } : {}) }, `${describe(edited, 'changed')}${catalogue ? `; described in the catalogue at ${catalogue}` : ''}`);
    });

  member(offer.command('describe').description("give the marketplace's catalogue the text of one of the member's offers' descriptions (the ledger holds its SHA-256 only; post and edit do this themselves)"))
    .requiredOption('--id <offerId>', 'the offer')
    .requiredOption('--description <text>', 'the description, or @file; its SHA-256 must be the digest the ledger holds')
    .action(async (mspId: string, o: { id: string; description: string; json?: boolean }) => {
      const m = checkMember(mspId);
      const offerId = checkOfferId(o.id);
      const raw = o.description.startsWith('@') ? readText(o.description.slice(1), '--description') : o.description;
      const parsed = offerDescriptionSchema.safeParse({ description: raw });
      if (!parsed.success) throw new UsageError(`--description: ${parsed.error.issues[0]?.message}`);
      const ctx = stackContext();
      const bridge = await memberBridge(ctx, m);
      const catalogue = await giveDescription(serviceUrl(ctx.settings, 'marketplace'), bridge, offerId, parsed.data.description, false);
      print(o.json, { offerId, catalogue }, `offer ${offerId} described in the catalogue at ${catalogue}`);
    });

  member(offer.command('withdraw').description("withdraw one of the member's open offers (WithdrawOffer); it stays readable, withdrawn"))
    .requiredOption('--id <offerId>', 'the offer')
    .action(async (mspId: string, o: { id: string; json?: boolean }) => {
      const m = checkMember(mspId);
      const offerId = checkOfferId(o.id);
      const bridge = await memberBridge(stackContext(), m);
      const withdrawn = await through(() => bridge.call<OfferWrite>('DELETE', `/offers/${offerId}`));
      print(o.json, withdrawn, describe(withdrawn, 'withdrawn'));
    });
}
