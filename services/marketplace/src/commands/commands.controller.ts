import { Controller, Get, Param, Sse } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal, type Principal } from '@datawell/auth';
import { ZodParams } from '@datawell/service-platform';
import type { Observable } from 'rxjs';
import { ErrorDto } from '../common.dto';
import { CommandViewDto } from './commands.dto';
import { commandIdSchema, CommandsService, type CommandEvent } from './commands.service';

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

  @Sse(':commandId/events')
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
  events(@CurrentPrincipal() principal: Principal, @Param('commandId') commandId: string): Promise<Observable<CommandEvent>> {
    return this.commands.follow(principal, commandId);
  }
}
