import { X509Certificate } from 'node:crypto';
import { connect, createServer, type PeerCertificate, type Server, type TLSSocket } from 'node:tls';
import { InvalidArgumentError, Mailbox, ProtocolViolationError, type TlsIdentity, type Transport } from '@datawell/mpc';

/**
 * The MPC nodes' network adapter (I/O, so it lives here and not in the pure engine).
 * Mutually authenticated TLS 1.3 channels between MPC nodes. A node accepts a connection only from a
 * certificate chaining to `identity.ca` that is the expected party's, and checks the same of the node
 * it dials. The expected party is named by its certificate's subject CN (one CA, the operator's, names
 * every party), or pinned: the exact certificate (DER) each party presents, when the parties' CAs are
 * their members' own and a CN (an enrolment id) may be the same for several parties.
 * Party i dials every j < i and accepts every j > i, which names itself with a one-byte hello. Frames
 * are a 4-byte big-endian length and the payload.
 */

/** How a party is recognised: by its certificate's CN, or by its exact certificate (PEM, pinned). */
export type PeerAuthentication = { readonly peerNames: readonly string[] } | { readonly peerCertificates: readonly string[] };

export type TlsNodeOptions = PeerAuthentication & {
  readonly self: number;
  readonly parties: number;
  /** `ca`: the CA certificate(s) a party's certificate must chain to. */
  readonly identity: TlsIdentity;
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  readonly connectTimeoutMs?: number;
  /** Told why a connection was refused (a party's certificate that is not the expected one). */
  readonly onRefused?: (message: string) => void;
};

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

export interface TlsNode {
  readonly port: number;
  /** Dials lower-indexed parties, waits for the higher-indexed ones, and returns the transport. */
  connect(endpoints: readonly Endpoint[]): Promise<Transport>;
  close(): Promise<void>;
}

const HEADER = 4;

class FramedPeer {
  #chunks: Buffer[] = [];
  #buffered = 0;

  constructor(
    readonly socket: TLSSocket,
    readonly box: Mailbox,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.feed(d));
    socket.on('close', () => box.close('peer closed the channel'));
    socket.on('error', () => box.close('peer channel failed'));
  }

  send(data: Uint8Array): void {
    const header = Buffer.allocUnsafe(HEADER);
    header.writeUInt32BE(data.length, 0);
    this.socket.write(header);
    this.socket.write(data);
  }

  feed(d: Buffer): void {
    this.#chunks.push(d);
    this.#buffered += d.length;
    for (;;) {
      if (this.#buffered < HEADER) return;
      if (this.#chunks[0]!.length < HEADER) this.#chunks = [Buffer.concat(this.#chunks)];
      const len = this.#chunks[0]!.readUInt32BE(0);
      if (this.#buffered < HEADER + len) return;
      const all = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks);
      // Copy the payload into its own 8-byte-aligned buffer (field vectors are read in place).
      const payload = new Uint8Array(len);
      payload.set(all.subarray(HEADER, HEADER + len));
      this.box.put(payload);
      const rest = all.subarray(HEADER + len);
      this.#chunks = rest.length ? [rest] : [];
      this.#buffered = rest.length;
    }
  }
}

class TlsTransport implements Transport {
  constructor(
    readonly self: number,
    readonly parties: number,
    readonly peers: Map<number, FramedPeer>,
    readonly boxes: Mailbox[],
    readonly server: Server,
  ) {}

  send(to: number, data: Uint8Array): void {
    const p = this.peers.get(to);
    if (!p) throw new RangeError(`no party ${to}`);
    p.send(data);
  }

  receive(from: number): Promise<Uint8Array> {
    const box = this.boxes[from];
    if (!box || from === this.self) return Promise.reject(new RangeError(`no party ${from}`));
    return box.take();
  }

  broadcast(data: Uint8Array): void {
    for (const p of this.peers.values()) p.send(data);
  }

  async close(): Promise<void> {
    for (const b of this.boxes) b.close();
    await Promise.all(
      [...this.peers.values()].map(
        (p) => new Promise<void>((done) => {
          if (p.socket.destroyed) return done();
          p.socket.end(() => done());
          setTimeout(() => {
            p.socket.destroy();
            done();
          }, 1000).unref();
        }),
      ),
    );
    await new Promise<void>((done) => this.server.close(() => done()));
  }
}

function cnOf(cert: PeerCertificate | undefined): string | undefined {
  const cn = cert?.subject?.CN;
  return Array.isArray(cn) ? cn[0] : cn;
}

/** The certificates of a PEM text one by one: Node trusts only the first of several concatenated in one `ca` string. */
export function certificateBlocks(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
}

/** Why `cert` is not party j's, or undefined when it is. */
type PeerCheck = (j: number, cert: PeerCertificate | undefined) => string | undefined;

function peerCheckOf(o: TlsNodeOptions): { count: number; check: PeerCheck } {
  if ('peerCertificates' in o) {
    const pins = o.peerCertificates.map((pem) => new X509Certificate(pem).raw);
    return {
      count: pins.length,
      check: (j, cert) =>
        cert?.raw && pins[j] && cert.raw.equals(pins[j])
          ? undefined
          : `party ${j} presented a certificate that is not its pinned one (CN=${cnOf(cert) ?? '?'}, SHA-256 ${cert?.fingerprint256 ?? '?'})`,
    };
  }
  const names = o.peerNames;
  return { count: names.length, check: (j, cert) => (cnOf(cert) === names[j] ? undefined : `party ${j} presented certificate CN=${cnOf(cert) ?? '?'}`) };
}

export async function listenTlsNode(o: TlsNodeOptions): Promise<TlsNode> {
  const { count, check } = peerCheckOf(o);
  if (count !== o.parties || o.self < 0 || o.self >= o.parties) {
    throw new InvalidArgumentError('one peer per party, and self among them');
  }
  const refused = (message: string) => o.onRefused?.(message);
  const boxes = Array.from({ length: o.parties }, () => new Mailbox());
  const peers = new Map<number, FramedPeer>();
  const waiters: Array<() => void> = [];
  const arrived = () => waiters.splice(0).forEach((w) => w());
  const tlsOpts = { key: o.identity.key, cert: o.identity.cert, ca: certificateBlocks(o.identity.ca), minVersion: 'TLSv1.3' as const };
  const server = createServer({ ...tlsOpts, requestCert: true, rejectUnauthorized: true }, (socket) => {
    // The client names itself with a 1-byte hello; its certificate must carry that party's name.
    socket.once('data', (hello: Buffer) => {
      const j = hello[0]!;
      if (hello.length !== 1 || j <= o.self || j >= o.parties || peers.has(j)) {
        socket.destroy();
        return;
      }
      const problem = check(j, socket.getPeerCertificate());
      if (problem) {
        refused(`refused a connection claiming to be party ${j}: ${problem}`);
        socket.destroy();
        return;
      }
      peers.set(j, new FramedPeer(socket, boxes[j]!));
      socket.write(Buffer.from([o.self]));
      arrived();
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => done());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  const dial = (j: number, ep: Endpoint, deadline: number): Promise<void> =>
    new Promise((done, fail) => {
      const socket = connect({
        ...tlsOpts,
        host: ep.host,
        port: ep.port,
        servername: 'mpc-node',
        checkServerIdentity: (_host, cert) => {
          const problem = check(j, cert);
          if (!problem) return undefined;
          refused(`refused the node dialled as party ${j} at ${ep.host}:${ep.port}: ${problem}`);
          return new Error(problem);
        },
      });
      let settled = false;
      socket.once('close', () => {
        if (!settled) {
          settled = true;
          fail(new ProtocolViolationError(`party ${j} closed the connection during the handshake (certificate refused?)`, j));
        }
      });
      socket.once('secureConnect', () => {
        socket.write(Buffer.from([o.self]));
        socket.once('data', (ack: Buffer) => {
          if (settled) return;
          settled = true;
          if (ack[0] !== j) {
            socket.destroy();
            fail(new ProtocolViolationError(`party ${j} answered the hello wrongly`, j));
            return;
          }
          const peer = new FramedPeer(socket, boxes[j]!);
          // The peer may already have sent frames right behind its one-byte answer.
          if (ack.length > 1) peer.feed(ack.subarray(1));
          peers.set(j, peer);
          done();
        });
      });
      socket.once('error', (err: NodeJS.ErrnoException) => {
        if (settled) return;
        settled = true;
        socket.destroy();
        if (err.code === 'ECONNREFUSED' && Date.now() < deadline) {
          setTimeout(() => dial(j, ep, deadline).then(done, fail), 50);
        } else {
          fail(new ProtocolViolationError(`cannot reach party ${j} at ${ep.host}:${ep.port}: ${err.message}`, j));
        }
      });
    });

  return {
    port,
    async connect(endpoints) {
      if (endpoints.length !== o.parties) throw new InvalidArgumentError('one endpoint per party');
      const deadline = Date.now() + (o.connectTimeoutMs ?? 30_000);
      await Promise.all(endpoints.map((ep, j) => (j < o.self ? dial(j, ep, deadline) : Promise.resolve())));
      const expected = o.parties - 1;
      await new Promise<void>((done, fail) => {
        const timer = setTimeout(() => fail(new ProtocolViolationError('timed out waiting for the other parties to connect')), Math.max(0, deadline - Date.now()));
        const check = () => {
          if (peers.size === expected) {
            clearTimeout(timer);
            done();
          } else waiters.push(check);
        };
        check();
      });
      return new TlsTransport(o.self, o.parties, peers, boxes, server);
    },
    async close() {
      for (const p of peers.values()) p.socket.destroy();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

/** Starts `parties` nodes on loopback and connects them all (tests, the demo, the benchmarks). */
export async function connectLoopbackTls(identities: readonly TlsIdentity[], peers: readonly string[] | PeerAuthentication): Promise<Transport[]> {
  const check: PeerAuthentication = 'length' in peers ? { peerNames: peers } : peers;
  const nodes = await Promise.all(identities.map((identity, self) => listenTlsNode({ ...check, self, parties: identities.length, identity })));
  const endpoints = nodes.map((n) => ({ host: '127.0.0.1', port: n.port }));
  return Promise.all(nodes.map((n) => n.connect(endpoints)));
}
