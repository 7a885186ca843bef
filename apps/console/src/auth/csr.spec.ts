import 'reflect-metadata';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { newKeyAndRequest, oid } from './csr';

describe('a certificate request made in the page', () => {
  beforeAll(() => x509.cryptoProvider.set(crypto));

  it('is a PKCS#10 request for CN=<enrollment id>, signed by the new key, whose key is the one to keep', async () => {
    const { privateKeyPem, csrPem } = await newKeyAndRequest('alice@harbour');
    const csr = new x509.Pkcs10CertificateRequest(csrPem);
    expect(csr.subject).toBe('CN=alice@harbour');
    expect(await csr.verify()).toBe(true);
    expect(csr.signatureAlgorithm).toMatchObject({ name: 'ECDSA', hash: { name: 'SHA-256' } });
    const fromRequest = createPublicKey({ key: Buffer.from(csr.publicKey.rawData), format: 'der', type: 'spki' });
    const fromKey = createPublicKey(createPrivateKey(privateKeyPem));
    expect(fromRequest.export({ format: 'jwk' })).toEqual(fromKey.export({ format: 'jwk' }));
    expect(createPrivateKey(privateKeyPem).asymmetricKeyDetails).toEqual({ namedCurve: 'prime256v1' });
  });

  it('encodes object identifiers with multi-byte arcs', () => {
    expect(Buffer.from(oid('1.2.840.10045.4.3.2')).toString('hex')).toBe('06082a8648ce3d040302');
    expect(Buffer.from(oid('2.5.4.3')).toString('hex')).toBe('0603550403');
  });

  it('refuses an enrollment id the CA would not take', async () => {
    await expect(newKeyAndRequest('has space')).rejects.toThrow('enrollment id');
  });
});
