import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { ApiError, coordinator, marketplace, member, negotiation, operator, provisioner, telemetry, unwrap, setBearer } from '../api/client';
import { forgetKey, heldKey, holdKey, importSigningKey, signWith } from './keyring';
import { afterAttempt, attemptsOf, renewable, retryDelayMs, whenOwnBridgeSettled, type OtherService, type ServiceToken } from './renewal';
import { pemToDer } from './signature';
import { within } from './within';

export interface Session {
  token: string;
  expiresAt: string;
  mspId: string;
  enrollmentId: string;
  /** OPERATOR: the operator's administrator (OperatorMSP, OU=admin), who sees only the catalogue and the operator's page. */
  role: 'DSP' | 'VSP' | 'OPERATOR';
  /** The enrolled certificate signed in with (an acceptance in the negotiation room names it). */
  certificatePem?: string;
  /** The negotiation service's own token (each service issues its own), or why it could not be had. */
  negotiation?: ServiceToken;
  /** The token of the member's own domain's ledger bridge (its DAOs), or why it could not be had. */
  member?: ServiceToken;
  /** The tokens of the member's own domain's provisioner (its infrastructure jobs) and telemetry (its workloads' heartbeats). */
  provisioner?: ServiceToken;
  telemetry?: ServiceToken;
  /** The token of the operator's MPC coordinator (asking for computations and following them), or why it could not be had. */
  coordinator?: ServiceToken;
  /** The operator's administrator only: the token of the operator's ledger bridge (its administration), or why it could not be had. */
  operator?: ServiceToken;
}

const KEY = 'datawell.console.session';

function stored(): Session | undefined {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Session) : undefined;
  } catch {
    return undefined;
  }
}

type AuthClient = typeof marketplace | typeof negotiation | typeof member | typeof provisioner | typeof telemetry | typeof coordinator | typeof operator;

/** Challenge, signature in the page, token: a sign-in at one service. */
async function loginAt(client: AuthClient, key: CryptoKey, certificatePem: string) {
  const { challenge } = unwrap(await (client as typeof marketplace).POST('/auth/challenge'));
  const signature = await signWith(key, challenge);
  return unwrap(await (client as typeof marketplace).POST('/auth/token', { body: { certificatePem, challenge, signature } }));
}

/**
 * A sign-in at one more service with the key this page holds: its token, or why there is none (a
 * member domain's services or the operator's bridge absent behind this console: the error says so).
 */
async function serviceLogin(client: AuthClient, key: CryptoKey, certificatePem: string): Promise<ServiceToken> {
  const attempt = async (): Promise<ServiceToken> => {
    try {
      const t = await loginAt(client, key, certificatePem);
      return { token: t.token, expiresAt: t.expiresAt };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // This console's proxy answers 404 for a service it does not serve (server/serve.ts): asking again cannot help.
      return error instanceof ApiError && error.status === 404 ? { error: message, absent: true } : { error: message };
    }
  };
  // A service that takes the connection and never answers must not hold the whole sign-in: the
  // session goes on without its token, as without an absent service's.
  return within(attempt(), SERVICE_LOGIN_MS, () => ({ error: `no answer within ${SERVICE_LOGIN_MS / 1000} s` }));
}

/** How long a sign-in waits for one more service's token. */
const SERVICE_LOGIN_MS = 20_000;

const CLIENTS: Record<OtherService, AuthClient> = { negotiation, member, provisioner, telemetry, coordinator, operator };

/** A sign-in at the negotiation service with the key this page holds (the room retries with it). */
export function negotiationLogin(key: CryptoKey, certificatePem: string): Promise<NonNullable<Session['negotiation']>> {
  return serviceLogin(negotiation, key, certificatePem);
}

/**
 * Signs the services' challenges in the page: the PKCS#8 key is imported as a non-extractable
 * WebCrypto key and held in this page's memory only (auth/keyring.ts: it signs agreements in the
 * negotiation room); only the certificate, the challenges and the signatures are sent.
 */
export async function signIn(certificatePem: string, privateKeyPem: string): Promise<Session> {
  pemToDer(certificatePem, 'CERTIFICATE');
  const key = await importSigningKey(privateKeyPem);
  const certificate = certificatePem.trim();
  const token = await loginAt(marketplace, key, certificate);
  const { role } = token.principal;
  const base = { token: token.token, expiresAt: token.expiresAt, mspId: token.principal.mspId, enrollmentId: token.principal.enrollmentId, role, certificatePem: certificate };
  if (role === 'OPERATOR') {
    // Of the operator's identities only its administrators have pages here (the bridge's @OperatorAdmin() routes).
    if (!token.principal.admin) throw new Error(`${token.principal.enrollmentId} of ${token.principal.mspId} is an operator identity that is not an administrator (OU=admin): the console is for participants and the operator's administrators`);
    return { ...base, operator: await serviceLogin(operator, key, certificate) };
  }
  holdKey(key, token.principal.mspId);
  // The five other services at once: each answers on its own (none of these throws), and one after
  // another a sign-in waited for the sum of six challenge-and-token round trips (one in a CI rehearsal
  // did not end within 30 s, on a loaded machine).
  const [negotiationToken, memberToken, provisionerToken, telemetryToken, coordinatorToken] = await Promise.all([
    negotiationLogin(key, certificate),
    serviceLogin(member, key, certificate),
    serviceLogin(provisioner, key, certificate),
    serviceLogin(telemetry, key, certificate),
    serviceLogin(coordinator, key, certificate),
  ]);
  return { ...base, negotiation: negotiationToken, member: memberToken, provisioner: provisionerToken, telemetry: telemetryToken, coordinator: coordinatorToken };
}

interface SessionState {
  session: Session | undefined;
  /** Why the last session ended without the user signing out (expired, refused), to show once. */
  notice: string | undefined;
  signedIn(session: Session): void;
  /** Replaces the negotiation token (a later sign-in there with the held key). */
  setNegotiation(negotiation: NonNullable<Session['negotiation']>): void;
  signOut(): void;
  dismissNotice(): void;
}

const Context = createContext<SessionState | undefined>(undefined);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | undefined>(stored);
  const [notice, setNotice] = useState<string | undefined>();

  const end = useCallback((why: string | undefined) => {
    sessionStorage.removeItem(KEY);
    forgetKey();
    setSession(undefined);
    setNotice(why);
  }, []);

  // A token past its expiry is dropped at once, and again the moment it expires while the page is open.
  useEffect(() => {
    if (!session) return;
    const left = Date.parse(session.expiresAt) - Date.now();
    const expired = () => end(`Your session expired at ${new Date(session.expiresAt).toLocaleString()}. Sign in again.`);
    if (!(left > 0)) {
      expired();
      return;
    }
    const timer = setTimeout(expired, Math.min(left, 2 ** 31 - 1));
    return () => clearTimeout(timer);
  }, [session, end]);

  // A service the page could not sign in at is asked again with the held key until it gives a token
  // (auth/renewal.ts): the pages that read through it show what it holds without a new sign-in.
  useEffect(() => {
    const certificatePem = session?.certificatePem;
    const key = heldKey(session?.mspId);
    if (!session || !certificatePem || !key) return;
    const due = renewable(session);
    if (due.length === 0) return;
    let cancelled = false;
    const timer = setTimeout(() => {
      void Promise.all(due.map(async (service) => [service, await serviceLogin(CLIENTS[service], key, certificatePem)] as const)).then((results) => {
        if (cancelled) return;
        setSession((current) => {
          if (!current || current.mspId !== session.mspId || current.enrollmentId !== session.enrollmentId) return current;
          const next: Session = { ...current };
          for (const [service, result] of results) next[service] = afterAttempt(current[service], result);
          sessionStorage.setItem(KEY, JSON.stringify(next));
          return next;
        });
      });
    }, retryDelayMs(attemptsOf(session, due)));
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [session]);

  // Set during render, not in an effect: children's requests run before a parent's effects.
  setBearer({
    token: (service) => {
      if (service === 'marketplace') return session?.token;
      const other = session?.[service];
      return other && 'token' in other ? other.token : undefined;
    },
    rejected: (message) => end(`Your session is no longer valid (${message}). Sign in again.`),
  });

  const value = useMemo<SessionState>(
    () => ({
      session,
      notice,
      signedIn: (s) => {
        sessionStorage.setItem(KEY, JSON.stringify(s));
        setNotice(undefined);
        setSession(s);
      },
      setNegotiation: (n) => {
        setSession((s) => {
          if (!s) return s;
          const next = { ...s, negotiation: n };
          sessionStorage.setItem(KEY, JSON.stringify(next));
          return next;
        });
      },
      signOut: () => end(undefined),
      dismissNotice: () => setNotice(undefined),
    }),
    [session, notice, end],
  );
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

export function useSession(): SessionState {
  const state = useContext(Context);
  if (!state) throw new Error('useSession outside SessionProvider');
  return state;
}

/**
 * Whether a member's write (an offer posted, edited or withdrawn) goes through its own ledger bridge:
 * in its own trust domain the organisation signs there. While the page is still signing in at that
 * bridge, the write waits for its token (up to 90 s, then OwnBridgePendingError) reading the session
 * as it is by then, not as it was when the page rendered; false only when no bridge of the member
 * is behind this console (auth/renewal.ts).
 */
export function useOwnBridgeWrite(): () => Promise<boolean> {
  const { session } = useSession();
  const latest = useRef(session);
  latest.current = session;
  return useCallback(async () => (await whenOwnBridgeSettled(() => latest.current?.member)) === 'ready', []);
}
