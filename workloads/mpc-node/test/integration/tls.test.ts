import { createParty, dealPreprocessing, fromBigInts, generateTestPki, type MpcCa } from '@datawell/mpc';
import { connectLoopbackTls, listenTlsNode } from '../../src/tls.adapter';
import { enrol, memberCa, type MemberIdentity } from './member-pki';

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

  describe('parties pinned to their certificates from their members\' own CAs', () => {
    // Three members, each with its own CA and a Fabric CA enrolment certificate (digitalSignature only,
    // no EKU) under the same enrolment id: only the pinned certificate tells the parties apart.
    let cas: MpcCa[];
    let members: MemberIdentity[];
    let ca: string;
    beforeAll(async () => {
      cas = await Promise.all(['producer', 'dsp', 'buyer'].map(memberCa));
      members = await Promise.all(cas.map((c) => enrol(c, 'mpc-node')));
      ca = cas.map((c) => c.cert).join('');
    });
    const identity = (m: MemberIdentity) => ({ key: m.key, cert: m.cert, ca });

    it('carries an SPDZ computation between three members\' nodes with the same CN', async () => {
      const transports = await connectLoopbackTls(members.map(identity), { peerCertificates: members.map((m) => m.cert) });
      const { stores } = dealPreprocessing({ parties: 3, triples: 4, masks: 8 });
      const parties = stores.map((st, i) => createParty(transports[i]!, st));
      const outs = await Promise.all(
        parties.map(async (p) => {
          const x = await p.input(1, p.id === 1 ? fromBigInts([5n, 9n]) : 2);
          return p.output(await p.mul(x, x), [2]);
        }),
      );
      await Promise.all(parties.map((p) => p.close()));
      expect(Array.from(outs[2]!)).toEqual([25n, 81n]);
      expect(outs[0]).toBeUndefined();
    });

    it('refuses a dialling peer with a valid certificate of the right CA that is not the pinned one', async () => {
      // Party 1's member enrols a second certificate (same CA, same CN): party 0 must not take it for party 1.
      const impostor = await enrol(cas[1]!, 'mpc-node');
      const refusals: string[] = [];
      const pins = { peerCertificates: members.slice(0, 2).map((m) => m.cert) };
      const n0 = await listenTlsNode({ ...pins, self: 0, parties: 2, identity: identity(members[0]!), connectTimeoutMs: 1500, onRefused: (m) => refusals.push(m) });
      const n1 = await listenTlsNode({ ...pins, self: 1, parties: 2, identity: identity(impostor), connectTimeoutMs: 1500 });
      const eps = [{ host: '127.0.0.1', port: n0.port }, { host: '127.0.0.1', port: n1.port }];
      const results = await Promise.allSettled([n0.connect(eps), n1.connect(eps)]);
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
      expect(refusals).toEqual([expect.stringMatching(/^refused a connection claiming to be party 1: party 1 presented a certificate that is not its pinned one \(CN=mpc-node, SHA-256 /)]);
      await Promise.all([n0.close(), n1.close()]);
    });

    it('refuses an accepting peer with a valid certificate of the right CA that is not the pinned one', async () => {
      const impostor = await enrol(cas[0]!, 'mpc-node');
      const refusals: string[] = [];
      const pins = { peerCertificates: members.slice(0, 2).map((m) => m.cert) };
      const n0 = await listenTlsNode({ ...pins, self: 0, parties: 2, identity: identity(impostor), connectTimeoutMs: 1500 });
      const n1 = await listenTlsNode({ ...pins, self: 1, parties: 2, identity: identity(members[1]!), connectTimeoutMs: 1500, onRefused: (m) => refusals.push(m) });
      const eps = [{ host: '127.0.0.1', port: n0.port }, { host: '127.0.0.1', port: n1.port }];
      const results = await Promise.allSettled([n0.connect(eps), n1.connect(eps)]);
      expect(results[1]).toMatchObject({ status: 'rejected', reason: { code: 'PROTOCOL_VIOLATION', message: expect.stringMatching(/party 0 presented a certificate that is not its pinned one/) } });
      expect(refusals).toEqual([expect.stringMatching(/^refused the node dialled as party 0 at 127\.0\.0\.1:\d+: party 0 presented a certificate that is not its pinned one/)]);
      await Promise.all([n0.close(), n1.close()]);
    });

    it("refuses a pinned certificate whose CA is not among the parties' CAs", async () => {
      // The certificate is the pinned one, but the chain must verify too.
      const outsider = await enrol(await memberCa('outsider'), 'mpc-node');
      const pins = { peerCertificates: [members[0]!.cert, outsider.cert] };
      const n0 = await listenTlsNode({ ...pins, self: 0, parties: 2, identity: identity(members[0]!), connectTimeoutMs: 1500 });
      const n1 = await listenTlsNode({ ...pins, self: 1, parties: 2, identity: { ...identity(outsider), ca: `${ca}${outsider.caCert}` }, connectTimeoutMs: 1500 });
      const eps = [{ host: '127.0.0.1', port: n0.port }, { host: '127.0.0.1', port: n1.port }];
      const results = await Promise.allSettled([n0.connect(eps), n1.connect(eps)]);
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
      await Promise.all([n0.close(), n1.close()]);
    });
  });
});
