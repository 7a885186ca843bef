import type { Context } from 'fabric-contract-api';
import { canonicalBytes } from '@datawell/domain';
import { forbidden } from './errors';

/** Reads a JSON value, or undefined when the key is absent. */
export async function readJson<T>(ctx: Context, key: string): Promise<T | undefined> {
  const bytes = await ctx.stub.getState(key);
  if (!bytes || bytes.length === 0) return undefined;
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
}

/** Writes a value as canonical JSON, so every endorser produces the same bytes. */
export async function writeJson(ctx: Context, key: string, value: unknown): Promise<void> {
  await ctx.stub.putState(key, canonicalBytes(value));
}

export const compositeKey = (ctx: Context, type: string, attributes: readonly string[]) => ctx.stub.createCompositeKey(type, [...attributes]);

/** Every value under a composite-key prefix, in key order. */
export async function listJson<T>(ctx: Context, type: string, attributes: readonly string[] = []): Promise<T[]> {
  const out: T[] = [];
  const iterator = await ctx.stub.getStateByPartialCompositeKey(type, [...attributes]);
  try {
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) {
      out.push(JSON.parse(Buffer.from(r.value.value).toString('utf8')) as T);
    }
  } finally {
    await iterator.close();
  }
  return out;
}

/**
 * Emits the transaction's one chaincode event (Fabric keeps only the last `setEvent` of a
 * transaction): the name of the primary action, and a canonical JSON payload `{type, ...}`.
 */
export function emitEvent(ctx: Context, type: string, payload: Record<string, unknown>): void {
  ctx.stub.setEvent(type, canonicalBytes({ ...payload, type, txId: ctx.stub.getTxID(), channel: ctx.stub.getChannelID() }));
}

/**
 * The transaction's timestamp in whole milliseconds: set once by the submitting client in the signed
 * proposal, so every endorser sees the same value (never `Date.now()`, which would differ).
 */
export function txTimeMs(ctx: Context): number {
  const ts = ctx.stub.getTxTimestamp();
  const seconds = Number(String(ts.seconds));
  return seconds * 1000 + Math.floor(ts.nanos / 1_000_000);
}

export function callerMsp(ctx: Context): string {
  return ctx.clientIdentity.getMSPID();
}

/** The answer of a cross-channel query: its text, or why there is none. */
export type QueryAnswer = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly message: string; readonly unreachable: boolean };

/**
 * Queries a chaincode on another channel, read-only, as the same caller, on this peer (Fabric's
 * cross-channel query: nothing it reads enters this transaction's read set). `unreachable`: the
 * peer could not run it (not on that channel, no such chaincode); otherwise the chaincode refused.
 */
export async function queryChaincode(ctx: Context, chaincode: string, args: readonly string[], channel: string): Promise<QueryAnswer> {
  let response: Awaited<ReturnType<Context['stub']['invokeChaincode']>>;
  try {
    response = await ctx.stub.invokeChaincode(chaincode, [...args], channel);
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : String(e), unreachable: true };
  }
  if (response.status >= 400 || !response.payload) return { ok: false, message: response.message || String(response.status), unreachable: false };
  return { ok: true, text: Buffer.from(response.payload).toString('utf8') };
}

/** Throws FORBIDDEN unless the caller's MSP is one of `allowed`. */
export function requireCaller(ctx: Context, allowed: Iterable<string>, action: string): string {
  const msp = callerMsp(ctx);
  for (const a of allowed) if (a === msp) return msp;
  throw forbidden(`${msp} may not ${action}`);
}
