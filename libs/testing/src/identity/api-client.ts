import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildConnection, type StackContext } from '@datawell/stack';
import { login, type EnrolledIdentity } from './client';

export type IdentityKeys = Pick<EnrolledIdentity, 'certificatePem' | 'privateKeyPem'>;

/** The identity of a Fabric MSP folder as fabric-ca-client writes it: signcerts/*.pem and keystore/*_sk. */
export function mspFolderIdentity(mspDir: string): IdentityKeys {
  const first = (dir: string, suffix: string) => {
    const file = readdirSync(join(mspDir, dir)).filter((f) => f.endsWith(suffix)).sort()[0];
    if (!file) throw new Error(`${join(mspDir, dir)} has no *${suffix} file`);
    return readFileSync(join(mspDir, dir, file), 'utf8');
  };
  return { certificatePem: first('signcerts', '.pem'), privateKeyPem: first('keystore', '_sk') };
}

/**
 * The administrator of an organisation the local stack runs (the operator's, OperatorMSP, or a local
 * participant's), read when needed: organisations onboarded at runtime are found too.
 */
export function stackAdminIdentity(ctx: StackContext, mspId: string): IdentityKeys {
  const org = buildConnection(ctx).fabric.orgs[mspId];
  if (!org) throw new Error(`the stack runs no organisation ${mspId} whose admin it holds`);
  return mspFolderIdentity(org.adminMspDir);
}

export interface ApiClient {
  /** Calls `path` as the identity; throws with the service's status, code and message on a non-2xx answer. */
  call<T>(path: string, init?: { method?: string; body?: unknown; timeoutMs?: number }): Promise<T>;
}

/**
 * "Log in and call": a client of one service acting as one identity. It logs in on first use (retrying
 * while the service's identity directory has not learnt the organisation yet, e.g. right after its
 * onboarding), and once more when a token is refused (a restarted service keys tokens anew).
 */
export function apiClient(baseUrl: string, identity: () => IdentityKeys, options: { loginTimeoutMs?: number } = {}): ApiClient {
  let token: Promise<string> | undefined;
  const logIn = async (): Promise<string> => {
    const deadline = Date.now() + (options.loginTimeoutMs ?? 60_000);
    for (;;) {
      try {
        return await login(baseUrl, identity());
      } catch (error) {
        if (Date.now() > deadline || !/\b401 UNAUTHENTICATED\b/.test(String(error))) throw error;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  };
  const send = async (path: string, init: { method?: string; body?: unknown; timeoutMs?: number }, bearer: string) =>
    fetch(`${baseUrl}${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${bearer}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      signal: AbortSignal.timeout(init.timeoutMs ?? 300_000),
    });
  return {
    async call<T>(path: string, init: { method?: string; body?: unknown; timeoutMs?: number } = {}): Promise<T> {
      token ??= logIn();
      let response = await send(path, init, await token.catch((error: unknown) => ((token = undefined), Promise.reject(error))));
      if (response.status === 401) {
        token = logIn();
        response = await send(path, init, await token);
      }
      const text = await response.text();
      const body = (text === '' ? {} : JSON.parse(text)) as T & { code?: string; message?: string };
      if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${baseUrl}${path}: ${response.status} ${body.code ?? ''} ${body.message ?? text}`);
      return body;
    },
  };
}
