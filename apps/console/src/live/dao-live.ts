import { EventSource, type ErrorEvent, type FetchLike } from 'eventsource';

/** What the member's bridge says happened on one of the DAO's versions (`event: ledger`); never the event's payload. */
export interface LiveNotification {
  readonly daoId: string;
  /** The dao chaincode event's name (VoteCast, ProposalCreated, ProposalDecided, ExitRequested, …). */
  readonly event: string;
  readonly channel: string;
  readonly version: number;
  readonly blockNumber: string;
  readonly txId: string;
}

/**
 * - connecting: the first connection is being made;
 * - live: the stream is open, changes arrive as they are committed;
 * - reconnecting: the stream broke (service restarting, network), another attempt follows;
 * - refused: the service refused it (403/404, or 401 which also ends the session); not tried again.
 */
export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'refused';

/** A live stream of server-sent events from one of the user's services, through the console's proxy. */
export interface LiveStreamOptions<T> {
  /** The events route, e.g. `${origin}/api/member/daos/<daoId>/events`. */
  readonly url: string;
  /** The SSE event name of the messages (`ledger`, `change`). */
  readonly event: string;
  /** A message's data, or undefined for one that cannot be read (skipped). */
  readonly parse: (data: string) => T | undefined;
  /** The service's bearer token now (read again at each (re)connection). */
  readonly token: () => string | undefined;
  /** Each message. */
  readonly onMessage: (message: T) => void;
  /** The stream is (again) open: what happened while it was not is read again here. */
  readonly onReady: () => void;
  readonly onStatus: (status: LiveStatus, detail?: string) => void;
  /** The service answered 401: the token is no longer valid. */
  readonly onUnauthorized?: (message: string) => void;
  /** First delay before a new connection after the service or the console's proxy answered 5xx (doubles up to maxRetryMs). */
  readonly retryMs?: number;
  readonly maxRetryMs?: number;
  /** The fetch to use (the page's; tests may pass Node's). */
  readonly fetch?: typeof fetch;
}

export interface DaoLiveOptions extends Omit<LiveStreamOptions<LiveNotification>, 'event' | 'parse' | 'onMessage'> {
  /** Each notification of the DAO. */
  readonly onNotification: (notification: LiveNotification) => void;
}

function parseNotification(data: string): LiveNotification | undefined {
  try {
    const n = JSON.parse(data) as Partial<LiveNotification>;
    return typeof n.daoId === 'string' && typeof n.event === 'string' && typeof n.version === 'number' ? (n as LiveNotification) : undefined;
  } catch {
    return undefined;
  }
}

/** Follows a DAO's live notifications (`event: ledger`) from the member's own ledger bridge (followStream). */
export function followDao(options: DaoLiveOptions): () => void {
  const { onNotification, ...rest } = options;
  return followStream({ ...rest, event: 'ledger', parse: parseNotification, onMessage: onNotification });
}

/**
 * Follows a service's server-sent events. The browser's EventSource cannot send the bearer token,
 * so this is the `eventsource` package's EventSource with a fetch that adds it. A stream that breaks
 * is reconnected by EventSource itself (after the service's `retry:`); every (re)connection names the
 * last message heard (`Last-Event-ID`), so the service can send (or say) what was missed meanwhile;
 * a 5xx answer (the service away behind the console's proxy) is tried again here with a backoff;
 * 401/403/404 are final. Returns the function that stops it.
 */
export function followStream<T>(options: LiveStreamOptions<T>): () => void {
  const base = options.fetch ?? globalThis.fetch.bind(globalThis);
  // The id of the last notification heard, sent on every (re)connection so the bridge replays what was
  // missed: EventSource sends it itself when it reconnects, not when a new one is opened after a 5xx.
  let lastEventId: string | undefined;
  const authorizedFetch: FetchLike = (url, init) => {
    const token = options.token();
    const headers: Record<string, string> = { ...init.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) };
    if (lastEventId && !Object.keys(headers).some((h) => h.toLowerCase() === 'last-event-id')) headers['Last-Event-ID'] = lastEventId;
    return base(url, { ...init, headers });
  };
  let source: EventSource | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let delay = options.retryMs ?? 2_000;

  const open = () => {
    if (stopped) return;
    const es = new EventSource(options.url, { fetch: authorizedFetch });
    source = es;
    es.addEventListener('ready', () => {
      delay = options.retryMs ?? 2_000;
      options.onStatus('live');
      options.onReady();
    });
    es.addEventListener(options.event, (event: MessageEvent<string>) => {
      if (event.lastEventId) lastEventId = event.lastEventId;
      const message = options.parse(event.data);
      if (message !== undefined) options.onMessage(message);
    });
    es.addEventListener('error', (event: ErrorEvent) => {
      if (stopped || source !== es) return;
      // EventSource reconnects by itself after a broken stream or a failed fetch.
      if (es.readyState === es.CONNECTING) return options.onStatus('reconnecting', event.message);
      es.close();
      const code = event.code;
      if (code === 401) {
        options.onStatus('refused', 'the service no longer accepts your token');
        options.onUnauthorized?.(event.message ?? 'the service refused the token');
        return;
      }
      if (code !== undefined && code >= 400 && code < 500) return options.onStatus('refused', `the service answered ${code}`);
      options.onStatus('reconnecting', event.message);
      timer = setTimeout(open, delay);
      delay = Math.min(delay * 2, options.maxRetryMs ?? 30_000);
    });
  };

  options.onStatus('connecting');
  open();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    source?.close();
  };
}
