import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createMpcCa, issueMpcCertificate, type MpcCa, type TlsIdentity } from '@datawell/mpc';
import { NodeCallError, NodeClient } from '../../src/computations/node-client.adapter';

/**
 * A node its member runs in its own domain presents a certificate from the member's own CA, which the
 * member reported on the channel: the coordinator accepts that exact certificate under that CA, and
 * nothing else (real TLS 1.3 sockets on loopback).
 */
describe('NodeClient: calls pinned to the certificate a member reported', () => {
  let coordinatorCa: MpcCa;
  let memberCa: MpcCa;
  let coordinator: TlsIdentity;
  let reported: TlsIdentity;
  let impostor: TlsIdentity;
  const servers: Server[] = [];
  let client: NodeClient;

  /** A control API stand-in serving `GET /inventory` with `identity`, asking for the coordinator CA's client certificates. */
  async function serve(identity: TlsIdentity): Promise<string> {
    const server = createServer({ key: identity.key, cert: identity.cert, ca: coordinatorCa.cert, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.3' }, (req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ party: 0, parties: 2, triples: 7, squares: 0, masks: [0, 0], caller: (req.socket as unknown as { getPeerCertificate(): { subject: { CN: string } } }).getPeerCertificate().subject.CN }));
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  beforeAll(async () => {
    coordinatorCa = await createMpcCa('operator-mesh-ca', 1);
    memberCa = await createMpcCa('member-ca', 1);
    coordinator = await issueMpcCertificate(coordinatorCa, 'mpc-coordinator', 1);
    // Fabric CA enrolments of one member may share a CN: the pin, not the name, tells them apart.
    reported = await issueMpcCertificate(memberCa, 'mpc-node', 1);
    impostor = await issueMpcCertificate(memberCa, 'mpc-node', 1);
    client = new NodeClient(5_000, { ca: coordinatorCa.cert, cert: coordinator.cert, key: coordinator.key });
  });

  afterAll(async () => {
    client.close();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  it('reaches the node presenting the reported certificate, as the coordinator', async () => {
    const url = await serve(reported);
    await expect(client.inventory(url, { certificatePem: reported.cert, caCertificatePem: memberCa.cert })).resolves.toMatchObject({ triples: 7, caller: 'mpc-coordinator' });
  });

  it("refuses a node with another certificate of the same member's CA", async () => {
    const url = await serve(impostor);
    const call = client.inventory(url, { certificatePem: reported.cert, caCertificatePem: memberCa.cert });
    await expect(call).rejects.toBeInstanceOf(NodeCallError);
    await expect(call).rejects.toThrow(/other than the one its member reported/);
  });

  it("refuses a pinned certificate under a CA that did not issue it, and a member's node without its pin", async () => {
    const url = await serve(reported);
    const otherCa = await createMpcCa('other-ca', 1);
    await expect(client.inventory(url, { certificatePem: reported.cert, caCertificatePem: otherCa.cert })).rejects.toMatchObject({ code: 'NODE_UNREACHABLE' });
    // Without a pin the coordinator trusts only its configured CA, which issued no member's node.
    await expect(client.inventory(url)).rejects.toMatchObject({ code: 'NODE_UNREACHABLE' });
  });

  it('refuses a pin whose certificate does not parse, before any connection', async () => {
    const url = await serve(reported);
    await expect(client.inventory(url, { certificatePem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', caCertificatePem: memberCa.cert })).rejects.toMatchObject({ code: 'NODE_UNTRUSTED' });
  });
});
