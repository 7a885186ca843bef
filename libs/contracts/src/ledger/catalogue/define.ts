import { z } from 'zod';
import { parseContract } from '../../validate';
import type { LedgerCommand } from '../ledger-command.v1';

/**
 * The machinery of a chaincode catalogue: a chaincode described once as data (its transactions with
 * their argument schemas, its events with their payload schemas), from which services build typed
 * commands and decode typed events, and the chaincode parses its arguments and types its events.
 */

/** One argument of a transaction: the name errors use, its schema, and its wire form. */
export interface ArgSpec<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly schema: S;
  /** true: JSON text on the wire; false: the plain string (an id). */
  readonly json: boolean;
}

export const jsonArg = <S extends z.ZodType>(name: string, schema: S): ArgSpec<S> => ({ name, schema, json: true });
export const textArg = <S extends z.ZodType<string, string>>(name: string, schema: S): ArgSpec<S> => ({ name, schema, json: false });

export interface TransactionSpec<A extends readonly ArgSpec[] = readonly ArgSpec[], S extends boolean = boolean> {
  readonly args: A;
  /** false for a query (`@Transaction(false)`): evaluated, never submitted as a command. */
  readonly submit: S;
}

/** A transaction that writes (submitted, ordered, emits an event). */
export const submitted = <const A extends readonly ArgSpec[]>(...args: A): TransactionSpec<A, true> => ({ args, submit: true });
/** A query: evaluated on one peer, writes nothing. */
export const evaluated = <const A extends readonly ArgSpec[]>(...args: A): TransactionSpec<A, false> => ({ args, submit: false });

/** The typed values a caller passes for a transaction's arguments, in order. */
export type ArgInputs<A extends readonly ArgSpec[]> = { -readonly [K in keyof A]: A[K] extends ArgSpec<infer S> ? z.input<S> : never };
/** The parsed values the chaincode gets for a transaction's arguments, in order. */
export type ArgOutputs<A extends readonly ArgSpec[]> = { -readonly [K in keyof A]: A[K] extends ArgSpec<infer S> ? z.output<S> : never };

type Transactions = Record<string, TransactionSpec>;
type Events = Record<string, z.ZodType>;

/** Names of the transactions that may be submitted as commands. */
export type SubmittedName<T extends Transactions> = { [K in keyof T & string]: T[K]['submit'] extends true ? K : never }[keyof T & string];

/** A transaction invocation as the gateway takes it. */
export interface Invocation<K extends string = string> {
  readonly chaincode: string;
  readonly transaction: K;
  readonly arguments: string[];
}

/** Where and as whom a command runs. `chaincode` overrides the catalogue's default deployed name. */
export interface CommandTarget {
  readonly commandId: string;
  readonly channel: string;
  readonly actingMspId: string;
  readonly chaincode?: string;
  readonly transient?: Record<string, string>;
}

/** A decoded event: a union discriminated by `name`, so a switch on it narrows `payload`. */
export type DecodedEvent<E extends Events> = { [K in keyof E & string]: { readonly name: K; readonly payload: z.output<E[K]> } }[keyof E & string];

/** An event as the chaincode emits it: its name and a payload typed by the catalogue. */
export interface TypedEvent<K extends string, P> {
  readonly name: K;
  readonly payload: P;
}

export interface ChaincodeCatalogue<T extends Transactions, E extends Events> {
  /** The chaincode's name as deployed in a real deployment. */
  readonly chaincode: string;
  readonly transactions: T;
  readonly events: E;
  /** Transaction names as constants: `tx.RecordRevenue === 'RecordRevenue'`. */
  readonly tx: { readonly [K in keyof T & string]: K };
  /** Event names as constants: `event.VersionCreated === 'VersionCreated'`. */
  readonly event: { readonly [K in keyof E & string]: K };
  readonly transactionNames: readonly (keyof T & string)[];
  readonly eventNames: readonly (keyof E & string)[];
  isEventName(name: string): name is keyof E & string;
  /**
   * The gateway arguments of a transaction: JSON arguments as JSON text (in the value's own key order;
   * the chaincode parses it, and the command id, not the bytes, makes a submission unique), ids as they are.
   */
  invocation<K extends keyof T & string>(name: K, ...args: ArgInputs<T[K]['args']>): Invocation<K>;
  /** A ledger command (Kafka, submitted by the bridge) for a writing transaction. */
  command<K extends SubmittedName<T>>(name: K, target: CommandTarget, ...args: ArgInputs<T[K]['args']>): LedgerCommand;
  /**
   * The event's typed form, or undefined when `eventName` is not one of this chaincode's events.
   * A known event whose payload does not match its schema is a ContractValidationError.
   */
  decode(event: { readonly eventName: string; readonly payload: unknown }): DecodedEvent<E> | undefined;
  /** One event's payload, parsed (ContractValidationError when it does not match). */
  parsePayload<K extends keyof E & string>(name: K, payload: unknown): z.output<E[K]>;
  /** For the chaincode: an event with a payload the type checker holds to the catalogue. */
  emitted<K extends keyof E & string>(name: K, payload: z.input<E[K]>): TypedEvent<K, z.input<E[K]>>;
}

function namesOf<R extends object>(record: R): { readonly [K in keyof R & string]: K } {
  return Object.freeze(Object.fromEntries(Object.keys(record).map((k) => [k, k]))) as { readonly [K in keyof R & string]: K };
}

export function defineChaincode<const T extends Transactions, const E extends Events>(chaincode: string, spec: { transactions: T; events: E }): ChaincodeCatalogue<T, E> {
  const { transactions, events } = spec;
  const eventNames = Object.keys(events) as (keyof E & string)[];
  const known = new Set<string>(eventNames);
  const isEventName = (name: string): name is keyof E & string => known.has(name);
  const parsePayload = <K extends keyof E & string>(name: K, payload: unknown): z.output<E[K]> =>
    parseContract(`${chaincode} event ${name}`, events[name] as E[K], payload) as z.output<E[K]>;
  const invocation = <K extends keyof T & string>(name: K, ...args: ArgInputs<T[K]['args']>): Invocation<K> => {
    const tx = transactions[name];
    if (!tx) throw new RangeError(`${chaincode} has no transaction ${name}`);
    if (args.length !== tx.args.length) throw new RangeError(`${chaincode}.${name} takes ${tx.args.length} argument(s), got ${args.length}`);
    return {
      chaincode,
      transaction: name,
      arguments: tx.args.map((a, i) => (a.json ? JSON.stringify(args[i]) : String(args[i]))),
    };
  };
  return {
    chaincode,
    transactions,
    events,
    tx: namesOf(transactions),
    event: namesOf(events),
    transactionNames: Object.keys(transactions) as (keyof T & string)[],
    eventNames,
    isEventName,
    invocation,
    command: (name, target, ...args) => {
      if (!transactions[name]?.submit) throw new RangeError(`${chaincode}.${name} is a query, not a command`);
      const call = invocation(name, ...args);
      return {
        commandId: target.commandId,
        channel: target.channel,
        chaincode: target.chaincode ?? chaincode,
        transaction: call.transaction,
        arguments: call.arguments,
        actingMspId: target.actingMspId,
        ...(target.transient ? { transient: target.transient } : {}),
      };
    },
    decode: (event) => (isEventName(event.eventName) ? ({ name: event.eventName, payload: parsePayload(event.eventName, event.payload) } as DecodedEvent<E>) : undefined),
    parsePayload,
    emitted: (name, payload) => ({ name, payload }),
  };
}
