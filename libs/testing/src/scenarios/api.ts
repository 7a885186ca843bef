import { proposalSigningText } from '@datawell/domain';
import { login, signWithIdentity, type EnrolledIdentity } from '../identity/client';

/** What the scenarios share: calls to the services' public APIs as enrolled participants. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The answer's `details`, when it has some. */
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export async function call<T>(url: string, init: { method?: string; token?: string; body?: unknown } = {}): Promise<T> {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    signal: AbortSignal.timeout(120_000),
  });
  const text = await response.text();
  const json = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  if (!response.ok) throw new ApiError(response.status, String(json['code'] ?? response.status), `${init.method ?? 'GET'} ${url}: ${response.status} ${String(json['code'])} ${String(json['message'])}`, json['details']);
  return json as T;
}

/** Polls `probe` until it returns a value; `what` names the wait in the timeout error. */
/** An outcome that waiting will not change (a failed computation, a failed session): `until` stops at once. */
export class FinalError extends Error {}

export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, everyMs = 1000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      // Refusals do not go away by waiting: fail now with the service's reason.
      if (error instanceof FinalError || (error instanceof ApiError && [400, 401, 403, 413].includes(error.status))) throw error;
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${last instanceof Error ? last.message : String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface Party {
  readonly mspId: string;
  readonly role: 'DSP' | 'VSP';
  readonly identity: EnrolledIdentity;
  readonly tokens: Map<string, string>;
}

/** A bearer token of `party` at the service at `base` (its identity directory may still be catching up). */
export async function tokenAt(party: Party, base: string, timeoutMs: number): Promise<string> {
  const cached = party.tokens.get(base);
  if (cached) return cached;
  const token = await until(`${party.mspId} to log in at ${base}`, () => login(base, party.identity), timeoutMs, 1000);
  party.tokens.set(base, token);
  return token;
}

/** Where negotiation happens and how a party gets a token at a service. */
export interface NegotiationContext {
  readonly urls: { readonly negotiation: string };
  readonly progress: (message: string) => void;
  readonly timeoutMs: number;
  readonly as: (party: Party, service: 'negotiation') => Promise<string>;
  /** Called the moment the last acceptance is signed, before the wait for the ledger (a bench starts its clock there). */
  readonly onAgreed?: () => void;
}

/** A negotiation session through to a formed DAO version: signed proposals, every party's signed acceptance, the bridge's formation. */
export async function negotiateAgreement(
  ctx: NegotiationContext,
  label: string,
  opener: Party,
  session: unknown,
  proposals: Array<{ by: Party; body: unknown }>,
  acceptors: Party[],
): Promise<void> {
  const { urls, progress, as } = ctx;
  progress(`${label}: ${opener.mspId} opens a negotiation session`);
  const created = await call<{ id: string }>(`${urls.negotiation}/sessions`, { method: 'POST', token: await as(opener, 'negotiation'), body: session });
  // Each proposal is signed by its author over {sessionId, answers, proposal}, answering the revision before it.
  let revision = 0;
  for (const p of proposals) {
    progress(`${label}: ${p.by.mspId} proposes β = ${(p.body as { betaPpm: number }).betaPpm / 1e6}, signed, answering revision ${revision}`);
    const signature = signWithIdentity(p.by.identity.privateKeyPem, proposalSigningText(created.id, revision, p.body));
    const view = await call<{ revision: number }>(`${urls.negotiation}/sessions/${created.id}/proposals`, {
      method: 'POST',
      token: await as(p.by, 'negotiation'),
      body: { answers: revision, proposal: p.body, certificatePem: p.by.identity.certificatePem, signature },
    });
    revision = view.revision;
  }
  for (const party of acceptors) {
    const toSign = await call<{ revision: number; canonical: string }>(`${urls.negotiation}/sessions/${created.id}/agreement`, { token: await as(party, 'negotiation') });
    progress(`${label}: ${party.mspId} signs revision ${toSign.revision}`);
    await call(`${urls.negotiation}/sessions/${created.id}/acceptances`, {
      method: 'POST',
      token: await as(party, 'negotiation'),
      body: { revision: toSign.revision, certificatePem: party.identity.certificatePem, signature: signWithIdentity(party.identity.privateKeyPem, toSign.canonical) },
    });
  }
  ctx.onAgreed?.();
  progress(`${label}: agreed; waiting for the ledger bridge to form the version`);
  await until(`${label}: the DAO version on the ledger`, async () => {
    const view = await call<{ status: string; failure: { code: string; message: string } | null }>(`${urls.negotiation}/sessions/${created.id}`, { token: await as(opener, 'negotiation') });
    if (view.status === 'failed') throw new FinalError(`${label} failed: ${view.failure?.code} ${view.failure?.message}`);
    return view.status === 'formed' ? true : undefined;
  }, ctx.timeoutMs);
}

/**
 * Figures a scenario measures (issue 11), in milliseconds of the scenario's clock: each version's
 * formation, from the moment its last party signed the agreement to every member of the version
 * reading it through its own bridge; and in the life cycle, per version, from its agreement to a
 * heartbeat recorded on the ledger for each workload that version built (version 1: its founders';
 * a join: its joiners'), as the scenario first reads them all.
 */
export interface ScenarioTimings {
  /** Version 1's, version 2's, …: agreed → read by every member through its own bridge. */
  readonly formationMs: number[];
  /** Version 1's, version 2's, …: agreed → a heartbeat of each workload it built recorded on the ledger (life cycle only). */
  readonly agreementToFirstHeartbeatMs?: number[];
}

/**
 * The clock of a DAO's formation: a version is agreed (runDomainFormation's `onAgreed`), then formed
 * once every member reads it (its `onStage`, which follows each version's reads, in order: the version
 * formed is the last one agreed).
 */
export class FormationClock {
  readonly #agreedAt = new Map<number, number>();
  readonly #formedAt = new Map<number, number>();
  #last: number | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  agreed(version: number): void {
    this.#agreedAt.set(version, this.now());
    this.#last = version;
  }

  /** Every member reads the version agreed last. */
  formed(): void {
    if (this.#last === undefined) throw new Error('a version was formed before any was agreed');
    if (!this.#formedAt.has(this.#last)) this.#formedAt.set(this.#last, this.now());
  }

  /** Milliseconds since version `version` was agreed. */
  sinceAgreed(version: number): number {
    const at = this.#agreedAt.get(version);
    if (at === undefined) throw new Error(`version ${version} was not agreed`);
    return this.now() - at;
  }

  /** Each formed version's formation time, version 1 first. */
  formationMs(): number[] {
    const versions = [...this.#formedAt.keys()].sort((a, b) => a - b);
    return versions.map((v) => (this.#formedAt.get(v) as number) - (this.#agreedAt.get(v) as number));
  }

  /** runDomainFormation's hooks, after which `onStage` (if any) runs as given. */
  hooks(onStage?: (stage: 'formed' | 'joined', daoId: string) => Promise<void>): { onAgreed: (version: number) => void; onStage: (stage: 'formed' | 'joined', daoId: string) => Promise<void> } {
    return {
      onAgreed: (version) => this.agreed(version),
      onStage: async (stage, daoId) => {
        this.formed();
        await onStage?.(stage, daoId);
      },
    };
  }
}

/** One figure per version, version 1's first, in seconds: `v1 8.5 s, v2 11.0 s` (`none` for none). */
export function perVersionSeconds(ms: readonly number[]): string {
  return ms.map((m, i) => `v${i + 1} ${(m / 1000).toFixed(1)} s`).join(', ') || 'none';
}

/** The figures as a scenario's summary prints them. */
export function describeTimings(t: ScenarioTimings): string {
  const lines = [`  formation (agreed → every member reads the version through its own bridge): ${perVersionSeconds(t.formationMs)}`];
  if (t.agreementToFirstHeartbeatMs !== undefined) lines.push(`  agreed → a heartbeat of each workload the version built recorded on the ledger: ${perVersionSeconds(t.agreementToFirstHeartbeatMs)}`);
  return `${lines.join('\n')}\n`;
}
