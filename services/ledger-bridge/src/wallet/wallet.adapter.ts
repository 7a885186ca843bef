import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GatewayIdentity } from '@datawell/fabric';

export class IdentityNotFoundError extends Error {
  override readonly name = 'IdentityNotFoundError';
  readonly code = 'WALLET_IDENTITY_NOT_FOUND' as const;
  constructor(
    readonly mspId: string,
    options?: { cause?: unknown },
  ) {
    super(`the wallet holds no identity for ${mspId}`, options);
  }
}

/** The organisations' client identities the bridge acts as, by MSP id. */
export interface Wallet {
  get(mspId: string): Promise<GatewayIdentity>;
  put(identity: GatewayIdentity): Promise<void>;
}

const MSP_ID = /^[A-Za-z0-9._-]+$/;

/**
 * One `<mspId>.json` file per organisation ({ mspId, certificatePem, privateKeyPem }), mode 0600,
 * written atomically. The directory is the secret: deployments mount it from a secret store.
 */
export class FileWallet implements Wallet {
  constructor(private readonly dir: string) {}

  async get(mspId: string): Promise<GatewayIdentity> {
    if (!MSP_ID.test(mspId)) throw new IdentityNotFoundError(mspId);
    let text: string;
    try {
      text = await readFile(join(this.dir, `${mspId}.json`), 'utf8');
    } catch (error) {
      throw new IdentityNotFoundError(mspId, { cause: error });
    }
    const identity = JSON.parse(text) as Partial<GatewayIdentity>;
    if (identity.mspId !== mspId || !identity.certificatePem || !identity.privateKeyPem) {
      throw new IdentityNotFoundError(mspId);
    }
    return { mspId, certificatePem: identity.certificatePem, privateKeyPem: identity.privateKeyPem };
  }

  async put(identity: GatewayIdentity): Promise<void> {
    if (!MSP_ID.test(identity.mspId)) throw new RangeError(`not an MSP id: "${identity.mspId}"`);
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const file = join(this.dir, `${identity.mspId}.json`);
    const tmp = `${file}.${process.pid}.tmp`;
    const { mspId, certificatePem, privateKeyPem } = identity;
    await writeFile(tmp, JSON.stringify({ mspId, certificatePem, privateKeyPem }), { mode: 0o600 });
    await rename(tmp, file);
  }
}
