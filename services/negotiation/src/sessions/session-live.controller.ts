import type { IncomingMessage, ServerResponse } from 'node:http';
import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal, type Principal } from '@datawell/auth';
import { openEventStream } from '@datawell/service-platform';
import { ErrorBody } from './sessions.dto';
import { SessionChanges, type SessionChange } from './session-changes';
import { SessionsService } from './sessions.service';

/** How often a comment line is sent on an idle stream, so that proxies keep it open. */
export const SESSION_LIVE_HEARTBEAT_MS = 15_000;
/** How long a client waits before reconnecting after the stream broke (the SSE `retry:` field). */
export const SESSION_LIVE_RETRY_MS = 3_000;

/** One committed change as an SSE message: `event: change`, its id the history entry's seq. */
export function sessionChangeMessage(change: SessionChange): string {
  return `id: ${change.seq}\nevent: change\ndata: ${JSON.stringify(change)}\n\n`;
}

/**
 * A negotiation session's changes for its parties, as server-sent events: the negotiation room
 * reads the session and its history again when the other party proposes, accepts, or the session
 * is agreed, formed, failed or ends, instead of polling.
 */
@ApiTags('sessions')
@Authenticated()
@Controller('sessions')
export class SessionLiveController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly changes: SessionChanges,
  ) {}

  @Get(':id/events')
  @ApiOperation({
    summary:
      'Server-sent events of the session for its parties: first `event: ready` (data {sessionId, seq}: the latest history entry; with `missed: true` when the `Last-Event-ID` the client sent is older, so read the session again), then one `event: change` per committed history entry (id and data.seq its seq; data {sessionId, seq}: read the session and its history again), and a `: heartbeat` comment every 15 s. SESSION_NOT_FOUND for an unknown session or a caller that is not a party',
  })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'the seq of the last `change` the client heard (EventSource sends it when it reconnects)' })
  @ApiOkResponse({
    description: 'a text/event-stream: `event: ready` once, then `event: change` messages (`id:` the history seq, `data:` {sessionId, seq}), and heartbeat comments',
    content: { 'text/event-stream': { schema: { type: 'string' } } },
  })
  @ApiNotFoundResponse({ type: ErrorBody, description: 'SESSION_NOT_FOUND: unknown, or the caller is not a party' })
  async events(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Req() req: Pick<IncomingMessage, 'headers'>, @Res() res: ServerResponse): Promise<void> {
    // The party check before anything is written, so a refusal is answered with its status and code.
    const view = await this.sessions.view(principal, id);
    const sessionId = view.id;
    const stream = openEventStream(res, { heartbeatMs: SESSION_LIVE_HEARTBEAT_MS });
    // Subscribed before the latest seq is read: a change committed in between is sent (a repeat at worst).
    stream.onEnd(
      this.changes.subscribe(sessionId, {
        notify: (change) => stream.write(sessionChangeMessage(change)),
        end: stream.end,
        // The service's listener was away: the client reads the session again.
        resync: () => stream.write(`event: ready\ndata: ${JSON.stringify({ sessionId, missed: true })}\n\n`),
      }),
    );
    const header = req.headers['last-event-id'];
    const last = typeof header === 'string' && /^\d{1,18}$/.test(header.trim()) ? Number(header.trim()) : undefined;
    try {
      const seq = await this.sessions.latestSeq(sessionId);
      stream.write(`retry: ${SESSION_LIVE_RETRY_MS}\nevent: ready\ndata: ${JSON.stringify({ sessionId, seq, ...(last !== undefined ? { missed: last < seq } : {}) })}\n\n`);
    } catch {
      stream.end();
    }
    await stream.ended;
  }
}
