import { X509Certificate } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { createKeyAndCsr, testCertificateAuthority } from '@datawell/testing';
import { grpcServerCredentials, peerOf, type GrpcClientCas } from './grpc';

/** One raw unary rpc that answers the PEM of the caller's certificate as the handler sees it, or "none". */
const raw = (b: Buffer) => b;
const DEFINITION: grpc.ServiceDefinition = {
  Peer: { path: '/test.Peer/Peer', requestStream: false, responseStream: false, requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw, originalName: 'Peer' },
};

type Ca = Awaited<ReturnType<typeof testCertificateAuthority>>;

async function issued(ca: Ca, cn: string) {
  const { csrPem, privateKeyPem } = await createKeyAndCsr(cn);
  return { certPem: await ca.issue(csrPem), keyPem: privateKeyPem };
}

const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;

describe("a gRPC server's TLS asks for client certificates of the known CAs and still lets a call without one through", () => {
  let server: grpc.Server;
  let port: number;
  let serverCa: Ca;
  let acme: Ca;
  let later: Ca;
  const known: string[] = [];
  const listeners: Array<() => void> = [];
  const cas: GrpcClientCas = { current: async () => known.join('\n'), onChange: (listener) => void listeners.push(listener) };

  beforeAll(async () => {
    [serverCa, acme, later] = await Promise.all([testCertificateAuthority('ca.service'), testCertificateAuthority('ca.acme'), testCertificateAuthority('ca.later')]);
    known.push(acme.caCertPem);
    const tls = await issued(serverCa, 'marketplace');
    server = new grpc.Server();
    server.addService(DEFINITION, {
      Peer: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => callback(null, Buffer.from(peerOf(call).certificatePem ?? 'none')),
    });
    port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpcServerCredentials(tls, cas, (error) => reject(error)), (error, p) => (error ? reject(error) : resolve(p))),
    );
  });

  afterAll(() => new Promise<void>((resolve) => server.tryShutdown(() => resolve())));

  async function ask(client?: { certPem: string; keyPem: string }): Promise<string> {
    const credentials = grpc.credentials.createSsl(
      Buffer.from(serverCa.caCertPem),
      client ? Buffer.from(client.keyPem) : null,
      client ? Buffer.from(client.certPem) : null,
      // The test CA writes no subjectAltName: the server is known by its CA here.
      { checkServerIdentity: () => undefined },
    );
    const Client = grpc.makeGenericClientConstructor(DEFINITION, 'Peer');
    const stub = new Client(`127.0.0.1:${port}`, credentials) as unknown as grpc.Client & { Peer(request: Buffer, callback: (error: grpc.ServiceError | null, response?: Buffer) => void): void };
    try {
      return await new Promise<string>((resolve, reject) => stub.Peer(Buffer.alloc(0), (error, response) => (error ? reject(error) : resolve(String(response)))));
    } finally {
      stub.close();
    }
  }

  it("hands the handler the certificate of a known CA's identity", async () => {
    const alice = await issued(acme, 'alice');
    expect(fingerprint(await ask(alice))).toBe(fingerprint(alice.certPem));
  });

  it('lets a client without a certificate call (it authenticates by token), and one of an unknown CA too, with no certificate handed over', async () => {
    expect(await ask()).toBe('none');
    expect(await ask(await issued(later, 'mallory'))).toBe('none');
  });

  it('follows the list: a CA added later is asked for once the change is announced', async () => {
    const bob = await issued(later, 'bob');
    known.push(later.caCertPem);
    listeners.forEach((listener) => listener());
    // The update is applied asynchronously; the next connections use it.
    const deadline = Date.now() + 5_000;
    let seen = await ask(bob);
    while (seen === 'none' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      seen = await ask(bob);
    }
    expect(fingerprint(seen)).toBe(fingerprint(bob.certPem));
  });
});
