import { testCsr } from '../network/test-pki.spec-helper';
import { checkCertificateRequest } from './csr';

describe('checkCertificateRequest', () => {
  it('accepts a P-256 request signed by its key whose common name is the enrollment id', async () => {
    await expect(checkCertificateRequest(await testCsr('alice'), 'alice')).resolves.toBeUndefined();
  });

  it('refuses unreadable requests, another name, other keys and a broken signature, as INVALID_CSR', async () => {
    const csr = await testCsr('alice');
    await expect(checkCertificateRequest('-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----', 'alice')).rejects.toMatchObject({ code: 'INVALID_CSR', message: /not a readable/ });
    await expect(checkCertificateRequest(csr, 'bob')).rejects.toMatchObject({ code: 'INVALID_CSR', message: /common name must be the enrollment id "bob" \(found "alice"\)/ });
    await expect(checkCertificateRequest(await testCsr('alice', 'P-384'), 'alice')).rejects.toMatchObject({ code: 'INVALID_CSR', message: /ECDSA on P-256, not ECDSA P-384/ });
    // Flip a byte of the signature (the DER ends with it).
    const der = Buffer.from(csr.replace(/-----[^-]+-----/g, '').replace(/\s/g, ''), 'base64');
    der[der.length - 3] ^= 0x01;
    const broken = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    await expect(checkCertificateRequest(broken, 'alice')).rejects.toMatchObject({ code: 'INVALID_CSR', message: /not signed by the key/ });
  });
});
