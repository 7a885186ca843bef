import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { DatawellError } from '@datawell/domain';

const CODES: Record<number, string> = {
  400: 'INVALID_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE',
  429: 'TOO_MANY_REQUESTS',
  503: 'UNAVAILABLE',
};

/** Errors the body parser raises before any controller runs (malformed JSON, oversize bodies). */
function parserError(error: unknown): { status: number; code: string; message: string } | undefined {
  const e = error as { type?: unknown; status?: unknown; message?: unknown; limit?: unknown };
  if (typeof e?.type !== 'string' || typeof e.status !== 'number' || e.status < 400 || e.status >= 500) return undefined;
  if (e.type === 'entity.too.large') return { status: 413, code: 'PAYLOAD_TOO_LARGE', message: `the request body is larger than ${String(e.limit)} bytes` };
  if (e.type === 'entity.parse.failed') return { status: 400, code: 'MALFORMED_JSON', message: 'the request body is not valid JSON' };
  return { status: e.status, code: CODES[e.status] ?? 'INVALID_REQUEST', message: String(e.message) };
}

/** Express error middleware right after the body parsers: malformed JSON, oversize bodies. */
export function bodyParserErrors(error: unknown, _request: unknown, response: { status(code: number): { json(body: unknown): void } }, next: (error?: unknown) => void): void {
  const parsed = parserError(error);
  if (!parsed) {
    next(error);
    return;
  }
  response.status(parsed.status).json({ code: parsed.code, message: parsed.message });
}

/** Whether a value parsed from JSON holds NUL (U+0000) in a string or a key. */
function holdsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (depth > 256 || value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some((v) => holdsNul(v, depth + 1));
  return Object.entries(value).some(([k, v]) => k.includes('\u0000') || holdsNul(v, depth + 1));
}

/**
 * Express middleware after the body parsers: text never holds NUL (U+0000), which PostgreSQL cannot
 * store in text or jsonb; a request with one in its body, path or query is refused here with 400
 * INVALID_REQUEST rather than failing later in a store with a 500.
 */
export function refuseNulText(
  request: { body?: unknown; originalUrl?: string; url?: string },
  response: { status(code: number): { json(body: unknown): void } },
  next: () => void,
): void {
  const url = request.originalUrl ?? request.url ?? '';
  if (/%00|\u0000/i.test(url) || holdsNul(request.body)) {
    response.status(400).json({ code: 'INVALID_REQUEST', message: 'text must not contain NUL (U+0000)' });
    return;
  }
  next();
}

/**
 * The one HTTP error mapping of every service: `{code, message, details?}`. A DatawellError is
 * answered with the status of its kind (ERROR_KINDS in @datawell/domain); Nest's own HttpExceptions
 * (routing, pipes) keep theirs; anything else is a 500 that is logged with its stack and answered
 * without details.
 */
@Catch()
export class PlatformErrorFilter implements ExceptionFilter {
  readonly #logger = new Logger('Http');

  catch(error: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw error;
    const response = host.switchToHttp().getResponse<{ headersSent?: boolean; setHeader?(name: string, value: string): void; status(code: number): { json(body: unknown): void } }>();
    if (response.headersSent) return;
    // A rate limit's answer says when to come back (429 with Retry-After, in whole seconds).
    const retryAfter = error instanceof DatawellError ? error.retryAfterSeconds() : undefined;
    if (retryAfter !== undefined) response.setHeader?.('Retry-After', String(retryAfter));
    if (error instanceof HttpException) {
      // A body with a shape of its own (the health check's report) is passed on as it is.
      const raw = error.getResponse();
      if (typeof raw === 'object' && raw !== null && !('code' in raw) && Object.keys(raw).some((k) => !['statusCode', 'message', 'error'].includes(k))) {
        response.status(error.getStatus()).json(raw);
        return;
      }
    }
    const body = this.#body(error);
    response.status(body.status).json({ code: body.code, message: body.message, ...(body.details ? { details: body.details } : {}) });
  }

  #body(error: unknown): { status: number; code: string; message: string; details?: unknown } {
    if (error instanceof DatawellError) {
      const details = error.exposedDetails();
      return { status: error.status, code: error.code, message: error.message, ...(details ? { details } : {}) };
    }
    if (error instanceof HttpException) {
      const status = error.getStatus();
      const raw = error.getResponse();
      const object = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
      const message = Array.isArray(object['message']) ? object['message'].join('; ') : typeof object['message'] === 'string' ? object['message'] : typeof raw === 'string' ? raw : error.message;
      const code = typeof object['code'] === 'string' ? object['code'] : (CODES[status] ?? (status >= 500 ? 'INTERNAL' : 'INVALID_REQUEST'));
      if (status >= 500 && status !== 503) this.#logger.error({ message: 'request failed', code, error: error.message, stack: error.stack });
      return { status, code, message, ...(object['details'] !== undefined ? { details: object['details'] } : {}) };
    }
    const parsed = parserError(error);
    if (parsed) return parsed;
    this.#logger.error({ message: 'unexpected error', error: String(error), stack: (error as Error)?.stack });
    return { status: 500, code: 'INTERNAL', message: 'internal error' };
  }
}
