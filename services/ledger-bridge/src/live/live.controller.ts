import type { IncomingMessage, ServerResponse } from 'node:http';
import { Controller, Get, Inject, Param, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal, type Principal } from '@datawell/auth';
import { ownOrganisationOnly } from '../admin/member-dao';
import { DAO_ID_PATTERN, parseDaoChannel } from '@datawell/contracts';
import { openEventStream, ZodParams } from '@datawell/service-platform';
import { z } from 'zod';
import { AdminError } from '../admin/admin.errors';
import { liveEventId, type LiveEvents, type LiveNotification } from './live-events';

/** What the live route needs of the member's bridge: who it is, the channels its peer is on, and the notifications. */
export interface LiveSource {
  readonly mspId: string;
  channels(): Promise<readonly string[]>;
  readonly events: LiveEvents;
  /** How often a comment line is sent on an idle stream, so that proxies keep it open (default 15 s). */
  readonly heartbeatMs?: number;
}

export const MEMBER_LIVE = Symbol('MEMBER_LIVE');

export const LIVE_HEARTBEAT_MS = 15_000;
/** How long a client waits before reconnecting after the stream broke (the SSE `retry:` field). */
export const LIVE_RETRY_MS = 3_000;

/** One notification as an SSE message: `event: ledger`, its id `block:txId`, its data the notification as JSON. */
export function sseMessage(n: LiveNotification): string {
  return `id: ${liveEventId(n)}\nevent: ledger\ndata: ${JSON.stringify(n)}\n\n`;
}

/** The longest Last-Event-ID taken (a block number, a colon and a transaction id are far shorter). */
const MAX_LAST_EVENT_ID = 200;

/**
 * A DAO's live notifications for the member's own people, as server-sent events: one `ledger` message
 * each time this bridge's own peer delivers a dao chaincode event of one of the DAO's versions, so a
 * page reads again what changed instead of polling. Same identity rule as the other member routes.
 */
@ApiTags('member')
@Controller('daos')
export class LiveController {
  constructor(@Inject(MEMBER_LIVE) private readonly source: LiveSource) {}

  @Get(':daoId/events')
  @Authenticated()
  @ApiOperation({
    summary:
      "Server-sent events of the DAO for this organisation's identities: first `event: ready` (data {daoId, channels}), then one `event: ledger` per dao chaincode event this member's own peer delivers on any version of the DAO (data {daoId, event, channel, version, blockNumber, txId}; never the event's payload: read what changed through the other routes), and a `: heartbeat` comment every 15 s. A client reconnecting with `Last-Event-ID` (EventSource sends the last id it heard) gets the notifications it missed right after `ready`, whose data then says how many (`replayed`), or `replayed: null` when they are no longer kept (the latest 256 per DAO, since the bridge started): then read the state again. FORBIDDEN to other organisations, VERSION_NOT_FOUND when this member's peer is on no version of the DAO",
  })
  @ZodParams({ daoId: z.string().regex(DAO_ID_PATTERN) })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'the id of the last `ledger` message the client heard (EventSource sends it when it reconnects): the ones after it follow `ready`' })
  @ApiOkResponse({
    description: 'a text/event-stream: `event: ready` once, then `event: ledger` messages (`id:` blockNumber:txId, `data:` the notification as JSON), and heartbeat comments',
    content: { 'text/event-stream': { schema: { type: 'string' } } },
  })
  async events(@CurrentPrincipal() principal: Principal, @Param('daoId') daoId: string, @Req() req: Pick<IncomingMessage, 'headers'>, @Res() res: ServerResponse): Promise<void> {
    // Refusals before anything is written, so the filters answer them with their status and code.
    ownOrganisationOnly(this.source.mspId, principal);
    const channels = (await this.source.channels()).filter((c) => parseDaoChannel(c)?.daoId === daoId);
    if (channels.length === 0) throw new AdminError('VERSION_NOT_FOUND', `no version of DAO ${daoId} of which ${this.source.mspId} is a member`);
    const stream = openEventStream(res, { heartbeatMs: this.source.heartbeatMs ?? LIVE_HEARTBEAT_MS });
    // What the client missed, if it says what it heard last: written before any new one (same tick as subscribing).
    const header = req.headers['last-event-id'];
    const last = typeof header === 'string' ? header.trim().slice(0, MAX_LAST_EVENT_ID) : undefined;
    const missed = last ? this.source.events.since(daoId, last) : undefined;
    stream.write(`retry: ${LIVE_RETRY_MS}\nevent: ready\ndata: ${JSON.stringify({ daoId, channels, ...(last ? { replayed: missed ? missed.length : null } : {}) })}\n\n`);
    for (const n of missed ?? []) stream.write(sseMessage(n));
    // Dropped when the stream ends (the client left), at once if it already has, or ended by the bridge stopping.
    stream.onEnd(this.source.events.subscribe(daoId, { notify: (n) => stream.write(sseMessage(n)), end: stream.end }));
    await stream.ended;
  }
}
