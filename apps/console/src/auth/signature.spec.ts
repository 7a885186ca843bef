import { createPublicKey, generateKeyPairSync, sign, verify, webcrypto } from 'node:crypto';
import { bytesToBase64, namedCurveOf, p1363ToDer, pemToDer } from './signature';

describe('browser signatures as the services verify them', () => {
  it.each(['P-256', 'P-384', 'P-521'] as const)('converts WebCrypto %s signatures (P1363) to DER that node verifies', async (namedCurve) => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' }[namedCurve] });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const pkcs8 = pemToDer(pem, 'PRIVATE KEY');
    expect(namedCurveOf(pkcs8)).toBe(namedCurve);
    const key = await webcrypto.subtle.importKey('pkcs8', pkcs8, { name: 'ECDSA', namedCurve }, false, ['sign']);
    // Many signatures: r or s with a high bit or leading zeros happen in some of them.
    for (let i = 0; i < 40; i++) {
      const message = new TextEncoder().encode(`challenge-${i}`);
      const p1363 = new Uint8Array(await webcrypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, message));
      const der = Buffer.from(bytesToBase64(p1363ToDer(p1363)), 'base64');
      expect(verify('sha256', message, createPublicKey(privateKey), der)).toBe(true);
    }
  });

  it('yields exactly the DER node makes for the same r and s', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const message = Buffer.from('x');
    const p1363 = sign('sha256', message, { key: privateKey, dsaEncoding: 'ieee-p1363' });
    const der = p1363ToDer(new Uint8Array(p1363));
    expect(verify('sha256', message, { key: publicKey, dsaEncoding: 'der' }, Buffer.from(der))).toBe(true);
    // Mangling one byte of r breaks the signature: the conversion carries r and s, not a constant.
    const bad = new Uint8Array(p1363);
    bad[5] = bad[5]! ^ 1;
    expect(verify('sha256', message, { key: publicKey, dsaEncoding: 'der' }, Buffer.from(p1363ToDer(bad)))).toBe(false);
  });

  it('refuses what is not a key or a signature, with a message', () => {
    expect(() => pemToDer('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----', 'PRIVATE KEY')).toThrow('expected a PEM block "PRIVATE KEY"');
    expect(() => p1363ToDer(new Uint8Array(63))).toThrow('not an ECDSA P1363 signature');
    const { privateKey } = generateKeyPairSync('ed25519');
    expect(() => namedCurveOf(pemToDer(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'PRIVATE KEY'))).toThrow('not an EC key');
  });
});
