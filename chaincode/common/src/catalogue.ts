import type { Context } from 'fabric-contract-api';
import type { ArgOutputs, ArgSpec, TransactionSpec, TypedEvent } from '@datawell/contracts';
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

/** Emits the transaction's one event as the catalogue types it (`emit(ctx, DAO.emitted(DAO.event.X, payload))`). */
export function emit<K extends string, P extends object>(ctx: Context, event: TypedEvent<K, P>): void {
  emitEvent(ctx, event.name, event.payload as Record<string, unknown>);
}
