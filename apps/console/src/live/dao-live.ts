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
 * - reconnecting: the stream broke (bridge restarting, network), another attempt follows;
 * - refused: the bridge refused it (403/404, or 401 which also ends the session); not tried again.
 */
export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'refused';

export interface DaoLiveOptions {
  /** The events route, e.g. `${origin}/api/member/daos/<daoId>/events`. */
  readonly url: string;
  /** The member bridge's bearer token now (read again at each (re)connection). */
  readonly token: () => string | undefined;
  /** Each notification of the DAO. */
  readonly onNotification: (notification: LiveNotification) => void;
  /** The stream is (again) open: what happened while it was not is read again here. */
  readonly onReady: () => void;
  readonly onStatus: (status: LiveStatus, detail?: string) => void;
  /** The bridge answered 401: the token is no longer valid. */
  readonly onUnauthorized?: (message: string) => void;
  /** First delay before a new connection after the bridge or the console's proxy answered 5xx (doubles up to maxRetryMs). */
  readonly retryMs?: number;
  readonly maxRetryMs?: number;
  /** The fetch to use (the page's; tests may pass Node's). */
  readonly fetch?: typeof fetch;
}

function parse(data: string): LiveNotification | undefined {
  try {
    const n = JSON.parse(data) as Partial<LiveNotification>;
    return typeof n.daoId === 'string' && typeof n.event === 'string' && typeof n.version === 'number' ? (n as LiveNotification) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Follows a DAO's live notifications from the member's own ledger bridge. The browser's EventSource
 * cannot send the bearer token, so this is the `eventsource` package's EventSource with a fetch that
 * adds it. A stream that breaks is reconnected by EventSource itself (after the bridge's `retry:`);
 * every (re)connection names the last notification heard (`Last-Event-ID`), so the bridge sends the
 * ones missed meanwhile right after `ready` while it still keeps them;
 * a 5xx answer (the bridge away behind the console's proxy) is tried again here with a backoff;
 * 401/403/404 are final. Returns the function that stops it.
 */
export function followDao(options: DaoLiveOptions): () => void {
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
    es.addEventListener('ledger', (event: MessageEvent<string>) => {
      if (event.lastEventId) lastEventId = event.lastEventId;
      const n = parse(event.data);
      if (n) options.onNotification(n);
    });
    es.addEventListener('error', (event: ErrorEvent) => {
      if (stopped || source !== es) return;
      // EventSource reconnects by itself after a broken stream or a failed fetch.
      if (es.readyState === es.CONNECTING) return options.onStatus('reconnecting', event.message);
      es.close();
      const code = event.code;
      if (code === 401) {
        options.onStatus('refused', 'the bridge no longer accepts your token');
        options.onUnauthorized?.(event.message ?? 'the bridge refused the token');
        return;
      }
      if (code !== undefined && code >= 400 && code < 500) return options.onStatus('refused', `the bridge answered ${code}`);
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
