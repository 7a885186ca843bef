import type { Context } from 'fabric-contract-api';
import { TRANSIENT_ARGS, type ArgOutputs, type ArgSpec, type TransactionSpec, type TypedEvent } from '@datawell/contracts';
import { invalidArgument } from './errors';
import { parseArg } from './args';
import { emitEvent } from './ledger';

/*
 * The chaincode's side of the ledger catalogue (@datawell/contracts): a transaction's arguments are
 * parsed with the catalogue's argument specs, and its event is the catalogue's, so a chaincode and
 * the services that call it and read its events share one vocabulary.
 */

/** The string arguments of a transaction, one per argument of its catalogue entry. */
export type WireArgs<A extends readonly ArgSpec[]> = { [K in keyof A]: string };

/**
 * Parses a transaction's string arguments with its catalogue entry: JSON first where the argument is
 * JSON, then its schema. Every failure is an INVALID_ARGUMENT naming the argument and the field.
 */
export function parseTxArgs<const A extends readonly ArgSpec[]>(tx: TransactionSpec<A>, ...texts: WireArgs<A>): ArgOutputs<A> {
  if (texts.length !== tx.args.length) throw new Error(`parseTxArgs: ${tx.args.length} argument(s) expected, got ${texts.length}`);
  return tx.args.map((arg, i) => parseArg(arg.schema, texts[i] as string, arg.name, { json: arg.json })) as ArgOutputs<A>;
}

/**
 * Parses a transaction's arguments from where its client put them: the proposal's transient data
 * (`args`, a JSON array of strings, which never reaches a block) when present, the clear arguments
 * otherwise. A private transaction's clear arguments must then be empty strings (their count is
 * what Fabric's contract API checks): a value given both ways is refused rather than chosen.
 */
export function parseTxArgsOf<const A extends readonly ArgSpec[]>(ctx: Context, tx: TransactionSpec<A>, ...texts: WireArgs<A>): ArgOutputs<A> {
  const transient = ctx.stub.getTransient().get(TRANSIENT_ARGS);
  if (transient === undefined) return parseTxArgs(tx, ...texts);
  if (texts.some((t) => t !== '')) throw invalidArgument('arguments are given both in the clear and in transient data; give them in transient data only');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(transient).toString('utf8'));
  } catch {
    throw invalidArgument(`transient ${TRANSIENT_ARGS}: not JSON`);
  }
  if (!Array.isArray(parsed) || parsed.length !== tx.args.length || parsed.some((a) => typeof a !== 'string')) {
    throw invalidArgument(`transient ${TRANSIENT_ARGS}: must be an array of ${tx.args.length} string(s)`);
  }
  return parseTxArgs(tx, ...(parsed as unknown as WireArgs<A>));
}

/** Emits the transaction's one event as the catalogue types it (`emit(ctx, DAO.emitted(DAO.event.X, payload))`). */
export function emit<K extends string, P extends object>(ctx: Context, event: TypedEvent<K, P>): void {
  emitEvent(ctx, event.name, event.payload as Record<string, unknown>);
}
