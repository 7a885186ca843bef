import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './marketplace.gen';
import type { paths as negotiationPaths } from './negotiation.gen';
import type { paths as memberPaths } from './member.gen';
import type { components as provisionerComponents, paths as provisionerPaths } from './provisioner.gen';
import type { components as telemetryComponents, paths as telemetryPaths } from './telemetry.gen';
import type { paths as operatorPaths } from './operator.gen';
import type { components as coordinatorComponents, paths as coordinatorPaths } from './coordinator.gen';

export type Offer = components['schemas']['OfferViewDto'];
export type OfferSearch = components['schemas']['OfferSearchDto'];
export type Participant = components['schemas']['ParticipantDto'];
export type NewOffer = components['schemas']['NewOffer'];
export type OfferPatch = components['schemas']['OfferPatch'];
export type TokenResponse = components['schemas']['TokenResponse'];
export type Job = provisionerComponents['schemas']['JobDto'];
export type JobLogLine = provisionerComponents['schemas']['JobLogLineDto'];
export type WorkloadLive = telemetryComponents['schemas']['WorkloadLiveDto'];
export type DaoTelemetry = telemetryComponents['schemas']['DaoTelemetryDto'];
export type Computation = coordinatorComponents['schemas']['ComputationDto'];
export type ComputationRequestBody = coordinatorComponents['schemas']['ComputationRequest'];
export type SearchQuery = NonNullable<paths['/offers']['get']['parameters']['query']>;

/** A service's `{code, message}` error with its HTTP status. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The page's origin: the serving process proxies /api/<service> to each service (server/serve.ts). */
export const origin = typeof window === 'undefined' ? 'http://localhost' : window.location.origin;

export const marketplace = createClient<paths>({ baseUrl: `${origin}/api/marketplace` });
/** The negotiation service: each service issues its own tokens, so the page signs in at each (auth/session.tsx). */
export const negotiation = createClient<negotiationPaths>({ baseUrl: `${origin}/api/negotiation` });

/**
 * The signed-in member's OWN domain's ledger bridge (member mode): its DAOs as its own peer reads them.
 * The console of a domain is served with `--member <its bridge>`; the operator's console has none.
 */
export const member = createClient<memberPaths>({ baseUrl: `${origin}/api/member` });

/**
 * The member's OWN domain's provisioner and telemetry (member mode): the infrastructure jobs its
 * provisioner runs for its DAOs, and the heartbeats of its DAOs' workloads as its telemetry folds them.
 */
export const provisioner = createClient<provisionerPaths>({ baseUrl: `${origin}/api/provisioner` });
export const telemetry = createClient<telemetryPaths>({ baseUrl: `${origin}/api/telemetry` });

/**
 * The operator's MPC coordinator: it only schedules. A member asks it for a computation its DAO's
 * terms allow and follows the progress; each member's node checks its own ledger, and a result goes
 * only to the recipients' own domains (read through `member`).
 */
export const coordinator = createClient<coordinatorPaths>({ baseUrl: `${origin}/api/coordinator` });

/**
 * The operator's ledger bridge (its network administration: participants, sanctions, the network),
 * for the operator's administrators only: the operator's console is served with `--operator <its bridge>`.
 */
export const operator = createClient<operatorPaths>({ baseUrl: `${origin}/api/operator` });

export type ServiceName = 'marketplace' | 'negotiation' | 'member' | 'provisioner' | 'telemetry' | 'coordinator' | 'operator';

/**
 * The bearer token of the signed-in identity at each service is added here, once; a 401 on a call
 * that carried one tells the session (which shows why and asks to sign in again).
 */
let bearer: { token: (service: ServiceName) => string | undefined; rejected: (message: string) => void } | undefined;

export function setBearer(source: typeof bearer): void {
  bearer = source;
}

/** The signed-in identity's bearer token at a service now (the live stream's own fetch adds it: see live/dao-live.ts). */
export const tokenFor = (service: ServiceName): string | undefined => bearer?.token(service);

/** A service refused the token outside openapi-fetch (the live stream): the session shows why and asks to sign in again. */
export const tokenRejected = (message: string): void => bearer?.rejected(message);

const auth = (service: ServiceName): Middleware => ({
  onRequest({ request }) {
    const token = bearer?.token(service);
    if (token) request.headers.set('authorization', `Bearer ${token}`);
    return request;
  },
  async onResponse({ request, response }) {
    if (response.status === 401 && request.headers.has('authorization')) {
      const body = (await response.clone().json().catch(() => ({}))) as { message?: string };
      bearer?.rejected(body.message ?? 'the service refused the token');
    }
    return response;
  },
});
marketplace.use(auth('marketplace'));
negotiation.use(auth('negotiation'));
member.use(auth('member'));
provisioner.use(auth('provisioner'));
telemetry.use(auth('telemetry'));
coordinator.use(auth('coordinator'));
operator.use(auth('operator'));

/** The data of an openapi-fetch result, or an ApiError with the service's code and message. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data !== undefined && result.response.ok) return result.data;
  const error = (result.error ?? {}) as { code?: string; message?: string };
  throw new ApiError(result.response.status, error.code ?? `HTTP_${result.response.status}`, error.message ?? result.response.statusText);
}
