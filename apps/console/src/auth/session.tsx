import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { marketplace, unwrap, setBearer } from '../api/client';
import { bytesToBase64, namedCurveOf, p1363ToDer, pemToDer } from './signature';

export interface Session {
  token: string;
  expiresAt: string;
  mspId: string;
  enrollmentId: string;
  role: 'DSP' | 'VSP';
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

/**
 * Signs the service's challenge in the page: the PKCS#8 key is imported as a non-extractable WebCrypto
 * key, used once, and dropped; only the certificate, the challenge and the signature are sent.
 */
export async function signIn(certificatePem: string, privateKeyPem: string): Promise<Session> {
  pemToDer(certificatePem, 'CERTIFICATE');
  const pkcs8 = pemToDer(privateKeyPem, 'PRIVATE KEY');
  const key = await crypto.subtle.importKey('pkcs8', pkcs8, { name: 'ECDSA', namedCurve: namedCurveOf(pkcs8) }, false, ['sign']);
  const { challenge } = unwrap(await marketplace.POST('/auth/challenge'));
  const p1363 = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, new TextEncoder().encode(challenge)));
  const signature = bytesToBase64(p1363ToDer(p1363));
  const token = unwrap(await marketplace.POST('/auth/token', { body: { certificatePem: certificatePem.trim(), challenge, signature } }));
  const { role } = token.principal;
  // The operator's identities log in too, but every route of the console is a participant's (403 to them).
  if (role === 'OPERATOR') throw new Error(`${token.principal.mspId} is the operator, not a participant: sign in with an identity of a participant organisation`);
  return { token: token.token, expiresAt: token.expiresAt, mspId: token.principal.mspId, enrollmentId: token.principal.enrollmentId, role };
}

interface SessionState {
  session: Session | undefined;
  /** Why the last session ended without the user signing out (expired, refused), to show once. */
  notice: string | undefined;
  signedIn(session: Session): void;
  signOut(): void;
  dismissNotice(): void;
}

const Context = createContext<SessionState | undefined>(undefined);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | undefined>(stored);
  const [notice, setNotice] = useState<string | undefined>();

  const end = useCallback((why: string | undefined) => {
    sessionStorage.removeItem(KEY);
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

  // Set during render, not in an effect: children's requests run before a parent's effects.
  setBearer({
    token: () => session?.token,
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
