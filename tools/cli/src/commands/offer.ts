import type { Command } from 'commander';
import type { z } from 'zod';
import { idSchema, MSP_ID_PATTERN, newOfferSchema, offerPatchSchema } from '@datawell/contracts';
import { stackContext } from '../context';
import { memberBridge, through } from '../services/member-bridge';
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
      const bridge = await memberBridge(stackContext(), m);
      const posted = await through(() => bridge.call<OfferWrite>('POST', '/offers', input));
      print(o.json, posted, describe(posted, 'posted'));
    });

  member(offer.command('edit').description("change one of the member's open offers (UpdateOffer): any field but the kind"))
    .requiredOption('--id <offerId>', 'the offer')
    .requiredOption('--changes <json>', 'the fields to change, JSON or @file (title, description, tags, or the kind\'s fields; at least one)')
    .action(async (mspId: string, o: { id: string; changes: string; json?: boolean }) => {
      const m = checkMember(mspId);
      const offerId = checkOfferId(o.id);
      const changes = body(offerPatchSchema, o.changes, '--changes');
      const bridge = await memberBridge(stackContext(), m);
      const edited = await through(() => bridge.call<OfferWrite>('PATCH', `/offers/${offerId}`, changes));
      print(o.json, edited, describe(edited, 'changed'));
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
