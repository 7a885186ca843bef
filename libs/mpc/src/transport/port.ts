import type { MessagePort } from 'node:worker_threads';
import { Mailbox } from './mailbox';
import type { Transport } from './transport';

/**
 * Channels over worker-thread MessagePorts: each party in its own thread of one process (benchmarks
 * and single-host deployments). Each message is copied once into a buffer of its own, which is
 * transferred (a structured clone would copy it twice: serialising and deserialising).
 */
class PortTransport implements Transport {
  readonly #boxes: Mailbox[];

  constructor(
    readonly self: number,
    readonly parties: number,
    readonly ports: ReadonlyMap<number, MessagePort>,
  ) {
    this.#boxes = Array.from({ length: parties }, () => new Mailbox());
    for (const [j, port] of ports) {
      port.on('message', (data: Uint8Array) => this.#boxes[j]!.put(data));
      port.on('close', () => this.#boxes[j]!.close('peer closed the channel'));
    }
  }

  send(to: number, data: Uint8Array): void {
    const port = this.ports.get(to);
    if (!port) throw new RangeError(`no party ${to}`);
    post(port, data);
  }

  receive(from: number): Promise<Uint8Array> {
    const box = this.#boxes[from];
    if (!box || from === this.self) return Promise.reject(new RangeError(`no party ${from}`));
    return box.take();
  }

  broadcast(data: Uint8Array): void {
    for (const port of this.ports.values()) post(port, data);
  }

  async close(): Promise<void> {
    for (const b of this.#boxes) b.close();
    for (const port of this.ports.values()) port.close();
  }
}

/** Copies the bytes in view (never a larger buffer behind a subarray) and hands the copy over. */
function post(port: MessagePort, data: Uint8Array): void {
  const own = new Uint8Array(data); // a fresh, unshared ArrayBuffer holding exactly these bytes
  port.postMessage(own, [own.buffer]);
}

/** `ports` maps every other party's index to the port connected to it. */
export function createPortTransport(self: number, parties: number, ports: ReadonlyMap<number, MessagePort>): Transport {
  return new PortTransport(self, parties, ports);
}
