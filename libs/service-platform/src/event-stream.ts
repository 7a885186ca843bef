import type { ServerResponse } from 'node:http';

/** An open `text/event-stream` answer (server-sent events). */
export interface EventStream {
  /** Writes raw SSE text (one or more messages); nothing once ended. */
  write(text: string): void;
  /** Ends the stream (once): the `onEnd` functions run and the answer ends. */
  end(): void;
  /** Runs `fn` when the stream ends, by `end()` or because the client left (at once if it has). */
  onEnd(fn: () => void): void;
  /** Resolves when the stream has ended: the route handler awaits it. */
  readonly ended: Promise<void>;
}

/**
 * Starts a server-sent events answer on `res`: the stream's headers (no caching or proxy buffering),
 * a `: heartbeat` comment every `heartbeatMs` so proxies keep an idle stream open, and one end,
 * whether the client leaves or the service ends it (its subscriptions are dropped there through
 * `onEnd`). Refusals must be answered before: once this is called the status is 200.
 */
export function openEventStream(res: ServerResponse, options: { heartbeatMs: number }): EventStream {
  let done = false;
  const endings: Array<() => void> = [];
  let resolveEnded: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => (resolveEnded = resolve));
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  // Sent now, not with the first message: the client sees the stream open at once.
  res.flushHeaders();
  const heartbeat = setInterval(() => void res.write(': heartbeat\n\n'), options.heartbeatMs);
  heartbeat.unref();
  const end = () => {
    if (done) return;
    done = true;
    clearInterval(heartbeat);
    for (const fn of endings.splice(0)) fn();
    if (!res.writableEnded) res.end();
    resolveEnded();
  };
  // The client left (or the connection broke).
  res.on('close', end);
  return {
    write: (text) => {
      if (!done) res.write(text);
    },
    end,
    onEnd: (fn) => (done ? fn() : void endings.push(fn)),
    ended,
  };
}
