import type { ComputeOp, ComputeOutcome, NodeInventory, PreprocessOp, PreprocessOutcome } from '../node/node-ops';

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

/** HTTP client of the MPC nodes' control API (`GET /inventory`, `POST /ops`). */
export class NodeClient {
  constructor(private readonly timeoutMs: number) {}

  async #call<T>(url: string, init: RequestInit, timeoutMs: number): Promise<T> {
    let res: Response;
    try {
      res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw new NodeCallError('NODE_UNREACHABLE', `${url}: ${(error as Error).message}`);
    }
    const body = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
    if (!res.ok) throw new NodeCallError(body.code ?? 'NODE_ERROR', `${url}: ${body.message ?? res.statusText}`, res.status);
    return body as T;
  }

  inventory(controlUrl: string): Promise<NodeInventory> {
    return this.#call(`${controlUrl.replace(/\/$/, '')}/inventory`, { method: 'GET' }, 10_000);
  }

  op(controlUrl: string, op: ComputeOp): Promise<ComputeOutcome>;
  op(controlUrl: string, op: PreprocessOp): Promise<PreprocessOutcome>;
  op(controlUrl: string, op: ComputeOp | PreprocessOp): Promise<ComputeOutcome | PreprocessOutcome> {
    return this.#call(
      `${controlUrl.replace(/\/$/, '')}/ops`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(op) },
      this.timeoutMs,
    );
  }
}
