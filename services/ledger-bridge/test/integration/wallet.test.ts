import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { enrollClientIdentity } from '@datawell/stack';
import { testStackContext } from '@datawell/testing';
import { FileWallet, IdentityNotFoundError } from '../../src/wallet/wallet.adapter';
import { hex } from './harness';

describe('file wallet', () => {
  let dir: string;
  beforeEach(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'lb-wallet-it-')), 'wallet');
  });
  afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

  it('stores an enrolled identity privately and gives it back by MSP id', async () => {
    const identity = await enrollClientIdentity(testStackContext(), 'OperatorMSP', `lb-wallet-${hex()}`);
    const wallet = new FileWallet(dir);
    await wallet.put(identity);
    await expect(wallet.get('OperatorMSP')).resolves.toEqual({
      mspId: 'OperatorMSP',
      certificatePem: identity.certificatePem,
      privateKeyPem: identity.privateKeyPem,
    });
    expect(statSync(join(dir, 'OperatorMSP.json')).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['OperatorMSP.json']);
  });

  it('answers an unknown, malformed or path-like MSP id with IdentityNotFoundError', async () => {
    const wallet = new FileWallet(dir);
    await expect(wallet.get('NobodyMSP')).rejects.toBeInstanceOf(IdentityNotFoundError);
    await expect(wallet.get('../etc/passwd')).rejects.toBeInstanceOf(IdentityNotFoundError);
    await wallet.put({ mspId: 'OtherMSP', certificatePem: 'c', privateKeyPem: 'k' });
    writeFileSync(join(dir, 'SwappedMSP.json'), JSON.stringify({ mspId: 'OtherMSP', certificatePem: 'c', privateKeyPem: 'k' }));
    await expect(wallet.get('SwappedMSP')).rejects.toThrow('the wallet holds no identity for SwappedMSP');
  });
});
