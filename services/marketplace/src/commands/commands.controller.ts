import type { ServerResponse } from 'node:http';
import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal, type Principal } from '@datawell/auth';
import { ZodParams } from '@datawell/service-platform';
import { Subscription } from 'rxjs';
import { ErrorDto } from '../common.dto';
import { CommandViewDto } from './commands.dto';
import { commandIdSchema, CommandsService } from './commands.service';

@ApiTags('commands')
@Controller('commands')
export class CommandsController {
  constructor(private readonly commands: CommandsService) {}

  @Get(':commandId')
  @Authenticated()
  @ApiOperation({
    summary:
      "A ledger command you issued (the commandId of a 202 answer): pending, then committed (txId) or failed (the chaincode's code and message). Another identity's command answers COMMAND_NOT_FOUND, as an unknown one",
  })
  @ZodParams({ commandId: commandIdSchema })
  @ApiOkResponse({ type: CommandViewDto })
  @ApiNotFoundResponse({ type: ErrorDto })
  get(@CurrentPrincipal() principal: Principal, @Param('commandId') commandId: string) {
    return this.commands.view(principal, commandId);
  }

  @Get(':commandId/events')
  @Authenticated()
  @ApiOperation({
    summary:
      'Server-sent events of a ledger command you issued: one `command` event per state (data as GET /commands/{commandId}), from the current one; the stream ends after committed or failed',
  })
  @ZodParams({ commandId: commandIdSchema })
  @ApiOkResponse({
    description: 'a text/event-stream of `event: command` messages, each `data:` a CommandViewDto as JSON (`id:` commandId:status)',
    content: { 'text/event-stream': { schema: { type: 'string' } } },
  })
  @ApiNotFoundResponse({ type: ErrorDto })
  async events(@CurrentPrincipal() principal: Principal, @Param('commandId') commandId: string, @Res() res: ServerResponse): Promise<void> {
    // Written here rather than with @Sse(): a refusal must answer 401/404 before anything is sent,
    // and with @Sse() behind an interceptor a rejected setup became an empty 200 stream (the
    // security matrix found it). `follow` refuses before the stream starts; the filters answer that.
    const stream = await this.commands.follow(principal, commandId);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.flushHeaders();
    await new Promise<void>((resolve) => {
      let done = false;
      const subscription = new Subscription();
      const end = () => {
        if (done) return;
        done = true;
        subscription.unsubscribe();
        if (!res.writableEnded) res.end();
        resolve();
      };
      // An ended command completes during subscribe: `add` to a closed subscription unsubscribes at once.
      subscription.add(
        stream.subscribe({
          next: (event) => void res.write(`id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`),
          error: (error: unknown) => {
            const { code, message } = error as { code?: unknown; message?: unknown };
            res.write(`event: error\ndata: ${JSON.stringify({ code: typeof code === 'string' ? code : 'INTERNAL', message: String(message ?? '') })}\n\n`);
            end();
          },
          complete: end,
        }),
      );
      // The client left: stop following.
      res.on('close', end);
    });
  }
}
