import { createParty, dealPreprocessing, fromBigInts, generateTestPki } from '@datawell/mpc';
import { connectLoopbackTls, listenTlsNode } from '../../src/tls.adapter';

jest.setTimeout(30_000);

describe('mutually authenticated TLS transport', () => {
  it('carries an SPDZ computation between three nodes on loopback', async () => {
    const pki = await generateTestPki(3);
    const transports = await connectLoopbackTls(pki.identities, pki.names);
    const { stores } = dealPreprocessing({ parties: 3, triples: 4, masks: 8 });
    const parties = stores.map((s, i) => createParty(transports[i]!, s));
    const outs = await Promise.all(
      parties.map(async (p) => {
        const x = await p.input(2, p.id === 2 ? fromBigInts([6n, 7n]) : 2);
        return p.output(await p.mul(x, x), [0]);
      }),
    );
    await Promise.all(parties.map((p) => p.close()));
    expect(Array.from(outs[0]!)).toEqual([36n, 49n]);
    expect(outs[1]).toBeUndefined();
  });

  it('carries large messages intact', async () => {
    const pki = await generateTestPki(2);
    const [a, b] = await connectLoopbackTls(pki.identities, pki.names);
    const big = new Uint8Array(3_000_001).map((_, i) => i % 251);
    a!.send(1, big);
    a!.send(1, new Uint8Array([1, 2, 3]));
    const got = await b!.receive(0);
    expect(Buffer.from(got).equals(Buffer.from(big))).toBe(true);
    expect(Array.from(await b!.receive(0))).toEqual([1, 2, 3]);
    await Promise.all([a!.close(), b!.close()]);
  });

  it('refuses a node whose certificate is not from the DAO CA', async () => {
    const pki = await generateTestPki(2);
    const rogue = await generateTestPki(2);
    const n0 = await listenTlsNode({ self: 0, parties: 2, identity: pki.identities[0]!, peerNames: pki.names, connectTimeoutMs: 1500 });
    const n1 = await listenTlsNode({ self: 1, parties: 2, identity: rogue.identities[1]!, peerNames: pki.names, connectTimeoutMs: 1500 });
    const eps = [{ host: '127.0.0.1', port: n0.port }, { host: '127.0.0.1', port: n1.port }];
    const results = await Promise.allSettled([n0.connect(eps), n1.connect(eps)]);
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(results[0]).toMatchObject({ reason: { code: 'PROTOCOL_VIOLATION' } });
    await Promise.all([n0.close(), n1.close()]);
  });

  it('refuses a certificate issued to a different party name', async () => {
    const pki = await generateTestPki(3);
    // Party 1 uses party 2's certificate: party 0 must not accept it as party 1.
    const n0 = await listenTlsNode({ self: 0, parties: 2, identity: pki.identities[0]!, peerNames: pki.names.slice(0, 2), connectTimeoutMs: 1500 });
    const n1 = await listenTlsNode({ self: 1, parties: 2, identity: pki.identities[2]!, peerNames: pki.names.slice(0, 2), connectTimeoutMs: 1500 });
    const eps = [{ host: '127.0.0.1', port: n0.port }, { host: '127.0.0.1', port: n1.port }];
    const results = await Promise.allSettled([n0.connect(eps), n1.connect(eps)]);
    expect(results[0]!.status).toBe('rejected');
    await Promise.all([n0.close(), n1.close()]);
  });
});
