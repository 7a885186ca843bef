import { ProtocolViolationError } from '../errors';

/** A FIFO of messages from one peer with waiting receivers; closing fails pending and later takes. */
export class Mailbox {
  readonly #queue: Uint8Array[] = [];
  readonly #waiting: Array<{ resolve: (d: Uint8Array) => void; reject: (e: Error) => void }> = [];
  #closed: Error | undefined;

  put(data: Uint8Array): void {
    const w = this.#waiting.shift();
    if (w) w.resolve(data);
    else this.#queue.push(data);
  }

  take(): Promise<Uint8Array> {
    const d = this.#queue.shift();
    if (d) return Promise.resolve(d);
    if (this.#closed) return Promise.reject(this.#closed);
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }

  close(reason = 'channel closed'): void {
    if (this.#closed) return;
    this.#closed = new ProtocolViolationError(reason);
    for (const w of this.#waiting.splice(0)) w.reject(this.#closed);
  }
}
