import { Mailbox } from './mailbox';

/**
 * Point-to-point channels between n parties, indexed 0..n-1. Delivery is reliable and in order per
 * (sender, receiver) pair; the protocols are deterministic, so no message tags are needed. Channels
 * must be authenticated (mutual TLS between nodes); broadcast consistency is checked by the protocol.
 */
export interface Transport {
  readonly self: number;
  readonly parties: number;
  send(to: number, data: Uint8Array): void;
  receive(from: number): Promise<Uint8Array>;
  /** Sends the same bytes to every other party. */
  broadcast(data: Uint8Array): void;
  close(): Promise<void>;
}

/** An interceptor for tests: sees (and may replace) every message in flight. */
export type MessageInterceptor = (from: number, to: number, data: Uint8Array) => Uint8Array;

class MemoryTransport implements Transport {
  constructor(
    readonly self: number,
    readonly parties: number,
    readonly boxes: Mailbox[][],
    readonly intercept: MessageInterceptor | undefined,
  ) {}

  send(to: number, data: Uint8Array): void {
    if (to === this.self || to < 0 || to >= this.parties) throw new RangeError(`no party ${to}`);
    // No copy: senders never write into a buffer after sending and receivers only read (the
    // engine's vectors are immutable by convention). Interceptors get their own copy.
    this.boxes[this.self]![to]!.put(this.intercept ? this.intercept(this.self, to, new Uint8Array(data)) : data);
  }

  receive(from: number): Promise<Uint8Array> {
    return this.boxes[from]![this.self]!.take();
  }

  broadcast(data: Uint8Array): void {
    for (let j = 0; j < this.parties; j++) if (j !== this.self) this.send(j, data);
  }

  async close(): Promise<void> {
    // Both directions: peers blocked on a message from us must fail rather than wait forever.
    for (let j = 0; j < this.parties; j++) {
      this.boxes[j]![this.self]!.close();
      this.boxes[this.self]![j]!.close();
    }
  }
}

/** In-process transports for `parties` parties (tests, the demo and the benchmarks). */
export function createMemoryTransports(parties: number, intercept?: MessageInterceptor): Transport[] {
  const boxes = Array.from({ length: parties }, () => Array.from({ length: parties }, () => new Mailbox()));
  return Array.from({ length: parties }, (_, i) => new MemoryTransport(i, parties, boxes, intercept));
}
