import { ApiError, FinalError } from './api';

/** A ledger command's end as the service that accepted the write tells it (marketplace GET /commands/:commandId). */
export interface CommandOutcome {
  readonly commandId: string;
  readonly action: string;
  readonly status: 'committed' | 'failed';
  readonly txId?: string;
  readonly blockNumber?: string;
  /** failed: the chaincode's code when it refused, else the bridge's. */
  readonly code?: string;
  readonly message?: string;
  readonly ledgerCode?: string;
}

/** The ledger refused a command: the chaincode's code and message (or the bridge's), final. */
export class CommandFailedError extends FinalError {
  constructor(
    readonly what: string,
    readonly outcome: CommandOutcome,
  ) {
    super(`${what} failed on the ledger: ${outcome.code ?? 'UNKNOWN'}: ${outcome.message ?? ''}${outcome.ledgerCode && outcome.ledgerCode !== outcome.code ? ` (${outcome.ledgerCode})` : ''}`);
  }
}

export interface FollowOptions {
  /** What the command does, for the progress line and errors ("recording revenue"). */
  readonly what: string;
  readonly timeoutMs: number;
  readonly progress?: (message: string) => void;
}

/**
 * Follows a ledger command to its end over the accepting service's event stream
 * (`<base>/commands/<id>/events`): one progress line while it is pending, then the committed
 * outcome, or CommandFailedError with the chaincode's code and message, or a timeout error saying
 * it is still pending after `timeoutMs`.
 */
export async function followCommand(base: string, commandId: string, token: string, options: FollowOptions): Promise<CommandOutcome> {
  const url = `${base}/commands/${encodeURIComponent(commandId)}/events`;
  let response: Response;
  try {
    response = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, signal: AbortSignal.timeout(options.timeoutMs) });
  } catch (error) {
    throw timeoutOr(error, options, commandId);
  }
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { code?: string; message?: string };
    throw new ApiError(response.status, String(body.code ?? response.status), `GET ${url}: ${response.status} ${String(body.code)} ${String(body.message)}`);
  }
  let announced = false;
  let buffered = '';
  const decoder = new TextDecoder();
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffered += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffered.indexOf('\n\n')) >= 0) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const lines = block.split('\n');
        if (!lines.includes('event: command')) continue;
        const view = JSON.parse(lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n')) as Omit<CommandOutcome, 'status'> & { status: string };
        if (view.status === 'committed') return view as CommandOutcome;
        if (view.status === 'failed') throw new CommandFailedError(options.what, view as CommandOutcome);
        if (!announced) {
          announced = true;
          options.progress?.(`${options.what}: ledger command ${commandId} pending; waiting up to ${seconds(options.timeoutMs)} s for the ledger`);
        }
      }
    }
  } catch (error) {
    if (error instanceof CommandFailedError) throw error;
    throw timeoutOr(error, options, commandId);
  }
  throw new Error(`${options.what}: the event stream of ledger command ${commandId} ended before the command did`);
}

function timeoutOr(error: unknown, options: FollowOptions, commandId: string): Error {
  // The abort is a DOMException (not always an Error of this realm).
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new Error(`${options.what}: ledger command ${commandId} still pending after ${seconds(options.timeoutMs)} s`);
  }
  return error instanceof Error ? error : new Error(String(error));
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;
