import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import type { ComputeOp, ComputeOutcome, NodeInventory, PreprocessOp, PreprocessOutcome } from '@datawell/mpc';

/** A node's control API answered with an error (its `code` and message, or the network's). */
export class NodeCallError extends Error {
  override readonly name = 'NodeCallError';
  constructor(
    readonly code: string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The coordinator's TLS material for the nodes' control APIs (PEM). */
export interface NodeClientTls {
  /** The CA(s) that issue the nodes' certificates. */
  readonly ca: string;
  /** The coordinator's client certificate and key, from a CA the nodes trust. */
  readonly cert: string;
  readonly key: string;
}

/** Reads the configured TLS files (at boot: a missing file stops the service). */
export function readNodeClientTls(files: { caFile: string; certFile: string; keyFile: string } | undefined): NodeClientTls | undefined {
  if (!files) return undefined;
  return { ca: readFileSync(files.caFile, 'utf8'), cert: readFileSync(files.certFile, 'utf8'), key: readFileSync(files.keyFile, 'utf8') };
}

const MAX_ANSWER = 16 * 1024 * 1024;

/**
 * A node its member runs in its own domain (trust domains): the certificate its member reported on the
 * channel for it, and the member's CA that issued it. A call to such a node verifies the chain to that
 * CA and accepts only that exact certificate.
 */
export interface NodePin {
  readonly certificatePem: string;
  readonly caCertificatePem: string;
}

/** The DER of a PEM certificate, or undefined when it does not parse. */
function derOf(pem: string): Buffer | undefined {
  try {
    return new X509Certificate(pem).raw;
  } catch {
    return undefined;
  }
}

/**
 * Client of the MPC nodes' control API (`GET /inventory`, `POST /ops`) over mutually authenticated
 * TLS 1.3: it presents the coordinator's certificate and accepts a node whose certificate chains to
 * the configured CA. A node's certificate names its party, not its host, so no host name is checked.
 */
export class NodeClient {
  readonly #agent: Agent | undefined;
  readonly #tls: NodeClientTls | undefined;
  /** Agents of pinned nodes, by their certificate (a node's certificate does not change while it runs). */
  readonly #pinned = new Map<string, Agent>();

  constructor(
    private readonly timeoutMs: number,
    tls: NodeClientTls | undefined,
  ) {
    this.#tls = tls;
    this.#agent = tls && new Agent({ ...tls, minVersion: 'TLSv1.3', rejectUnauthorized: true, checkServerIdentity: () => undefined, keepAlive: true });
  }

  /** The agent for a node: the configured CA's, or for a pinned node one that accepts its certificate only. */
  #agentFor(url: string, pin: NodePin | undefined): Agent | NodeCallError | undefined {
    if (!pin || !this.#tls) return this.#agent;
    const key = `${pin.caCertificatePem}\n${pin.certificatePem}`;
    const known = this.#pinned.get(key);
    if (known) return known;
    const expected = derOf(pin.certificatePem);
    if (!expected) return new NodeCallError('NODE_UNTRUSTED', `${url}: the node's reported certificate does not parse`);
    const agent = new Agent({
      cert: this.#tls.cert,
      key: this.#tls.key,
      ca: pin.caCertificatePem,
      minVersion: 'TLSv1.3',
      rejectUnauthorized: true,
      // The chain is checked against the member's CA; the node is the one whose certificate its member reported.
      checkServerIdentity: (_host, cert) => (cert.raw.equals(expected) ? undefined : new Error('the node presented a certificate other than the one its member reported on the ledger')),
      keepAlive: true,
    });
    this.#pinned.set(key, agent);
    return agent;
  }

  #call<T>(url: string, method: 'GET' | 'POST', body: unknown, timeoutMs: number, pin?: NodePin): Promise<T> {
    const agent = this.#agentFor(url, pin);
    if (agent instanceof NodeCallError) return Promise.reject(agent);
    if (!agent) return Promise.reject(new NodeCallError('NODE_TLS_NOT_CONFIGURED', `${url}: the coordinator has no node TLS files (MPC_COORDINATOR_NODE_TLS_*)`));
    if (!url.startsWith('https://')) return Promise.reject(new NodeCallError('NODE_UNREACHABLE', `${url}: a node's control API is served over https`));
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise<T>((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          agent,
          timeout: timeoutMs,
          headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_ANSWER) req.destroy(new Error('answer too large'));
            else chunks.push(c);
          });
          res.on('error', (error) => reject(new NodeCallError('NODE_UNREACHABLE', `${url}: ${error.message}`)));
          res.on('end', () => {
            let answer: { code?: string; message?: string } = {};
            try {
              answer = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof answer;
            } catch {
              // not JSON: the status speaks
            }
            const status = res.statusCode ?? 0;
            if (status < 200 || status >= 300) reject(new NodeCallError(answer.code ?? 'NODE_ERROR', `${url}: ${answer.message ?? res.statusMessage ?? status}`, status));
            else resolve(answer as T);
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', (error) => reject(new NodeCallError('NODE_UNREACHABLE', `${url}: ${error.message}`)));
      req.end(payload);
    });
  }

  inventory(controlUrl: string, pin?: NodePin): Promise<NodeInventory> {
    return this.#call(`${controlUrl.replace(/\/$/, '')}/inventory`, 'GET', undefined, 10_000, pin);
  }

  op(controlUrl: string, op: ComputeOp, pin?: NodePin): Promise<ComputeOutcome>;
  op(controlUrl: string, op: PreprocessOp, pin?: NodePin): Promise<PreprocessOutcome>;
  op(controlUrl: string, op: ComputeOp | PreprocessOp, pin?: NodePin): Promise<ComputeOutcome | PreprocessOutcome> {
    return this.#call(`${controlUrl.replace(/\/$/, '')}/ops`, 'POST', op, this.timeoutMs, pin);
  }

  close(): void {
    this.#agent?.destroy();
    for (const agent of this.#pinned.values()) agent.destroy();
    this.#pinned.clear();
  }
}
