import { ConsoleLogger, type LogLevel as NestLogLevel } from '@nestjs/common';
import { LOG_LEVELS, type LogLevel } from '@datawell/config';

/** The levels at and above `level` (LOG_LEVELS runs from most to least severe). */
export function enabledLevels(level: LogLevel): NestLogLevel[] {
  return LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(level) + 1);
}

/** One JSON object per line, each naming the service it came from. */
export class ServiceLogger extends ConsoleLogger {
  readonly #service: string;

  constructor(service: string, level: LogLevel) {
    super({ json: true, colors: false, logLevels: enabledLevels(level) });
    this.#service = service;
  }

  protected override getJsonLogObject(
    message: unknown,
    options: { context: string; logLevel: NestLogLevel; writeStreamType?: 'stdout' | 'stderr'; errorStack?: unknown },
  ) {
    return { service: this.#service, ...super.getJsonLogObject(message, options) };
  }
}
