import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { EconomicsError } from '@datawell/domain';
import { NegotiationError } from '../sessions/negotiation.errors';

/**
 * The negotiation service's domain errors (and the economics library's) as `{code, message}` with
 * their 4xx status. Applied to its controllers; everything else (body parser, auth, unknown errors)
 * is the platform's PlatformErrorFilter.
 */
@Catch(NegotiationError, EconomicsError)
export class NegotiationErrorFilter implements ExceptionFilter {
  catch(error: NegotiationError | EconomicsError, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<{ headersSent?: boolean; status(code: number): { json(body: unknown): void } }>();
    if (response.headersSent) return;
    if (error instanceof NegotiationError) {
      response.status(error.status).json({ code: error.code, message: error.message, ...(error.details?.issues ? { details: { issues: error.details.issues } } : {}) });
      return;
    }
    response.status(400).json({ code: error.code, message: error.message, details: { field: error.field } });
  }
}
