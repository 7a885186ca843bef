import {
  applyDecorators,
  Body,
  Controller,
  createParamDecorator,
  HttpCode,
  Inject,
  Injectable,
  Logger,
  Module,
  Post,
  SetMetadata,
  UseGuards,
  type CanActivate,
  type DynamicModule,
  type ExecutionContext,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiProperty, ApiTags, DECORATORS } from '@nestjs/swagger';
import { getDataSourceToken, InjectDataSource } from '@nestjs/typeorm';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import type { ServiceConfig } from '@datawell/config';
import { GRPC_CLIENT_CAS, KAFKA, SERVICE_CONFIG, zodBody, type GrpcClientCas } from '@datawell/service-platform';
import { MARKETPLACE, TOPICS } from '@datawell/contracts';
import { startLedgerEventConsumer, type LedgerEffect, type LedgerEventHandlers, type TopicConsumer } from '@datawell/messaging';
import { X509Certificate } from 'node:crypto';
import { AUTHENTICATED_STATUSES, parseCertificate, verifyAgainstDirectory } from './certificates';
import { IdentityDirectory, operatorEntry } from './directory';
import { directoryEntryOf } from './directory-events';
import { AuthError } from './errors';
import type { Principal } from './principal';
import { TokenIssuer } from './tokens';

export const PRINCIPAL = Symbol('datawell.principal');

const tokenRequest = z.strictObject({
  certificatePem: z.string().min(1).max(8192).describe('PEM of the enrolled certificate'),
  challenge: z.string().min(1).max(512).describe('A challenge from POST /auth/challenge'),
  signature: z
    .string()
    .min(1)
    .max(512)
    .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64')
    .describe('base64 DER ECDSA-SHA256 signature of the challenge by the enrolled key'),
});

class ChallengeResponse {
  @ApiProperty({ description: 'Sign this exact string (UTF-8) with the enrolled key: ECDSA-SHA256, DER, base64.' }) challenge!: string;
  @ApiProperty() expiresAt!: string;
}

class PrincipalResponse implements Principal {
  @ApiProperty() mspId!: string;
  @ApiProperty() enrollmentId!: string;
  @ApiProperty({ enum: ['DSP', 'VSP', 'OPERATOR'] }) role!: Principal['role'];
  @ApiProperty({ required: false, description: 'an administrator of its organisation (certificate OU=admin)' }) admin?: boolean;
  @ApiProperty() certificateFingerprint!: string;
}

class TokenResponse {
  @ApiProperty({ description: 'Send as `Authorization: Bearer <token>`' }) token!: string;
  @ApiProperty() expiresAt!: string;
  @ApiProperty({ type: PrincipalResponse }) principal!: Principal;
}


/** Authentication state of one service: the directory and the token issuer. */
@Injectable()
export class Authenticator {
  readonly issuer: TokenIssuer;

  constructor(
    @Inject(SERVICE_CONFIG) config: ServiceConfig,
    readonly directory: IdentityDirectory,
  ) {
    this.issuer = new TokenIssuer(config.auth.tokenSecret);
  }

  async login(input: unknown): Promise<TokenResponse> {
    const parsed = tokenRequest.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new AuthError('INVALID_REQUEST', `${issue.path.join('.') || 'body'}: ${issue.message}`);
    }
    const certificate = parseCertificate(parsed.data.certificatePem);
    const verified = verifyAgainstDirectory(certificate, await this.directory.all());
    this.issuer.redeemChallenge(parsed.data.challenge, parsed.data.signature, certificate);
    const principal = principalOf(verified);
    return { ...this.issuer.issue(principal), principal };
  }

  /**
   * The principal of a client certificate presented in a TLS handshake (which proved the caller holds
   * its key): it must chain to the CA of an active participant, as for a token.
   */
  async authenticateCertificate(certificatePem: string): Promise<Principal> {
    return principalOf(verifyAgainstDirectory(parseCertificate(certificatePem), await this.directory.all()));
  }

  /** The principal of a bearer token; also re-checks that its organisation is still active. */
  async authenticate(authorization: string | undefined): Promise<Principal> {
    const match = /^Bearer ([A-Za-z0-9_.-]+)$/.exec(authorization ?? '');
    if (!match) throw new AuthError('UNAUTHENTICATED', 'missing bearer token: log in with POST /auth/challenge and POST /auth/token');
    const principal = this.issuer.verify(match[1]!);
    const entry = await this.directory.get(principal.mspId);
    if (!entry || !AUTHENTICATED_STATUSES.has(entry.status)) throw new AuthError('UNAUTHENTICATED', `${principal.mspId} is no longer an active participant`);
    return principal;
  }

  /**
   * The caller of an rpc, with the same rules as HTTP: the bearer token in the `authorization`
   * metadata wins; without one, the client certificate of a mutual-TLS call. Then the audience.
   */
  async authenticateCall(metadata: { get(key: string): unknown[] }, peerCertificate?: string, audience: Audience = 'participant'): Promise<Principal> {
    const value = metadata.get('authorization')[0];
    const authorization = value === undefined ? undefined : String(value);
    const principal = authorization === undefined && peerCertificate !== undefined ? await this.authenticateCertificate(peerCertificate) : await this.authenticate(authorization);
    return admit(principal, audience);
  }
}

/**
 * Who a route is for: participants' people, the operator's administrators, or either; or a
 * participant's people and its workloads (an MPC node's own identity: its ledger reads, its result's
 * delivery, its registration). Every other audience refuses a workload's identity.
 */
export type Audience = 'participant' | 'operatorAdmin' | 'participantOrOperatorAdmin' | 'participantOrWorkload';

const AUDIENCE = 'datawell.auth.audience';

const isOperatorAdmin = (p: Principal) => p.role === 'OPERATOR' && p.admin === true;

/** The principal if `audience` admits it; otherwise FORBIDDEN (it is authenticated, but not for this). */
export function admit(principal: Principal, audience: Audience): Principal {
  if (principal.workload !== undefined && audience !== 'participantOrWorkload') {
    throw new AuthError('FORBIDDEN', `${principal.enrollmentId} of ${principal.mspId} is a workload's identity (${principal.workload}): it may call only the routes its workload needs`);
  }
  if (audience === 'participantOrWorkload' && principal.role === 'OPERATOR') throw new AuthError('FORBIDDEN', 'the operator is not a participant: this needs the identity of a participant organisation or of its workload');
  if (audience === 'operatorAdmin' && !isOperatorAdmin(principal)) throw new AuthError('FORBIDDEN', 'only an administrator of the operator (OperatorMSP, OU=admin) may call this');
  if (audience === 'participant' && principal.role === 'OPERATOR') throw new AuthError('FORBIDDEN', 'the operator is not a participant: this needs the identity of a participant organisation');
  if (audience === 'participantOrOperatorAdmin' && principal.role === 'OPERATOR' && !isOperatorAdmin(principal)) {
    throw new AuthError('FORBIDDEN', 'the operator\'s identities other than its administrators may not call this');
  }
  return principal;
}

function principalOf(verified: { entry: { mspId: string; role: Principal['role'] }; enrollmentId: string; admin: boolean; workload?: string; fingerprint: string }): Principal {
  return {
    mspId: verified.entry.mspId,
    enrollmentId: verified.enrollmentId,
    role: verified.entry.role,
    ...(verified.admin ? { admin: true } : {}),
    ...(verified.workload ? { workload: verified.workload } : {}),
    certificateFingerprint: verified.fingerprint,
  };
}

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly auth: Authenticator,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined>; socket?: unknown; [PRINCIPAL]?: Principal }>();
    // An AuthError is answered by the platform's filter (401/403/400 from its kind).
    const authorization = request.headers['authorization'];
    // A bearer token wins; without one, the client certificate of a mutual-TLS connection.
    const peer = authorization === undefined ? peerCertificatePem(request.socket) : undefined;
    const principal = peer === undefined ? await this.auth.authenticate(authorization) : await this.auth.authenticateCertificate(peer);
    const audience = this.reflector.getAllAndOverride<Audience | undefined>(AUDIENCE, [context.getHandler(), context.getClass()]) ?? 'participant';
    request[PRINCIPAL] = admit(principal, audience);
    return true;
  }
}

/** The certificate a TLS client presented, as PEM (undefined over plain HTTP or without one). */
export function peerCertificatePem(socket: unknown): string | undefined {
  const tls = socket as { getPeerCertificate?: (detailed?: boolean) => { raw?: Buffer } | null } | undefined;
  if (typeof tls?.getPeerCertificate !== 'function') return undefined;
  const raw = tls.getPeerCertificate()?.raw;
  if (!raw || raw.length === 0) return undefined;
  try {
    return new X509Certificate(raw).toString();
  } catch {
    return undefined;
  }
}

/**
 * The handler (or every handler of the controller) needs a bearer token of an enrolled identity, or
 * mutual TLS with one, of the audience (by default a participant's: the operator's identities get 403).
 */
export function Authenticated(audience: Audience = 'participant'): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(AUDIENCE, audience),
    UseGuards(AuthGuard),
    ApiBearerAuth(),
    documentRefusals({ 401: 'UNAUTHENTICATED: no or bad bearer token', 403: 'FORBIDDEN: an identity this route is not for' }),
  );
}

/**
 * Adds the guard's refusals to the OpenAPI responses, keeping a route's own entry for a status (its
 * error body): swagger's ApiResponse would merge ours over it and drop its schema.
 */
function documentRefusals(descriptions: Readonly<Record<number, string>>): MethodDecorator & ClassDecorator {
  return (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const holder = (descriptor?.value as object | undefined) ?? target;
    const responses = (Reflect.getMetadata(DECORATORS.API_RESPONSE, holder) ?? {}) as Record<string, unknown>;
    const ours = Object.fromEntries(Object.entries(descriptions).map(([status, description]) => [status, { description }]));
    Reflect.defineMetadata(DECORATORS.API_RESPONSE, { ...ours, ...responses }, holder);
  };
}

/**
 * On a handler of a controller that is @Authenticated() as a whole: its audience is
 * 'participantOrWorkload' (a participant's people and its workloads' identities), the rest unchanged
 * (the guard and the documented refusals are the controller's).
 */
export const AdmitWorkloads = (): MethodDecorator => SetMetadata(AUDIENCE, 'participantOrWorkload' satisfies Audience);

/** Only an administrator of the operator (an OperatorMSP identity with OU=admin): network administration. */
export const OperatorAdmin = (): MethodDecorator & ClassDecorator => Authenticated('operatorAdmin');

/** The authenticated caller, in a handler behind @Authenticated(). */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<{ [PRINCIPAL]?: Principal }>()[PRINCIPAL];
  if (!principal) throw new AuthError('UNAUTHENTICATED', 'this endpoint needs a bearer token');
  return principal;
});

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: Authenticator) {}

  @Post('challenge')
  @HttpCode(200)
  @ApiOperation({ summary: 'A one-time challenge to sign with an enrolled key' })
  @ApiOkResponse({ type: ChallengeResponse })
  challenge(): ChallengeResponse {
    return this.auth.issuer.challenge();
  }

  @Post('token')
  @HttpCode(200)
  @ApiOperation({ summary: 'Exchange a signed challenge and the enrolled certificate for a bearer token' })
  @ApiBody(zodBody('TokenRequest', tokenRequest))
  @ApiOkResponse({ type: TokenResponse })
  async token(@Body() body: unknown): Promise<TokenResponse> {
    return this.auth.login(body);
  }
}

export const AUTH_OPTIONS = Symbol('AUTH_OPTIONS');

export interface AuthOptions {
  /**
   * Where the identity directory learns participants (ParticipantRegistered) and under which
   * consumer group. Default: the operator's shared ledger events topic. A member domain's service
   * reads its own (sealed) events topic instead, as its own Kafka principal allows.
   */
  readonly directory?: { readonly topic: string; readonly groupId: string };
}

/** Keeps the identity directory up to date from `ParticipantRegistered` ledger events. */
@Injectable()
export class DirectoryUpdater implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly #logger = new Logger('IdentityDirectory');
  #consumer: TopicConsumer | undefined;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(KAFKA) private readonly kafka: Kafka,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly directory: IdentityDirectory,
    @Inject(AUTH_OPTIONS) private readonly options: AuthOptions,
  ) {}

  onApplicationBootstrap(): void {
    const handlers: LedgerEventHandlers = {
      [MARKETPLACE.event.ParticipantRegistered]: (event, meta) => {
        const entry = directoryEntryOf(event.payload);
        return async (manager) => {
          await this.directory.upsert(manager, entry, meta.id);
          return () => {
            this.directory.changed();
            this.#logger.log({ message: 'participant in directory', mspId: entry.mspId, status: entry.status });
          };
        };
      },
      // The marketplace's sanctions: the entry's status follows them (a suspended participant still signs in).
      [MARKETPLACE.event.ParticipantSuspended]: (event, meta) => this.#status(event.payload.mspId, 'suspended', meta.id),
      [MARKETPLACE.event.ParticipantReinstated]: (event, meta) => this.#status(event.payload.mspId, 'active', meta.id),
    };
    this.#consumer = startLedgerEventConsumer({
      kafka: this.kafka,
      groupId: this.options.directory?.groupId ?? `datawell-${this.config.service}-identity-directory`,
      topic: this.options.directory?.topic ?? TOPICS.ledgerEvents,
      logger: this.#logger,
      inbox: { dataSource: this.dataSource, schema: this.config.postgres.schema, consumer: 'identity-directory' },
      handlers,
    });
  }

  #status(mspId: string, status: 'active' | 'suspended', eventId: string): LedgerEffect {
    return async (manager) => {
      await this.directory.setStatus(manager, mspId, status, eventId);
      return () => {
        this.directory.changed();
        this.#logger.log({ message: 'participant status in directory', mspId, status });
      };
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.#consumer?.stop();
  }
}

/**
 * Authentication for a service: `POST /auth/challenge`, `POST /auth/token`, the `@Authenticated()`
 * guard, and the identity directory fed from ledger events. The service's migrations must include
 * a subclass of `CreateIdentityDirectory`.
 */
@Module({})
export class AuthModule {
  static forRoot(options: AuthOptions = {}): DynamicModule {
    return {
      module: AuthModule,
      global: true,
      controllers: [AuthController],
      providers: [
        { provide: AUTH_OPTIONS, useValue: options },
        {
          provide: IdentityDirectory,
          useFactory: (config: ServiceConfig, dataSource: DataSource) =>
            new IdentityDirectory(dataSource, config.postgres.schema, config.auth.operatorCaPem === undefined ? undefined : operatorEntry(config.auth.operatorCaPem)),
          inject: [SERVICE_CONFIG, getDataSourceToken()],
        },
        Authenticator,
        AuthGuard,
        DirectoryUpdater,
        {
          // The gRPC server asks callers for client certificates of the directory's CAs (mutual TLS, as over HTTP).
          provide: GRPC_CLIENT_CAS,
          useFactory: (directory: IdentityDirectory): GrpcClientCas => ({
            current: async () => (await directory.all()).map((e) => e.caCertPem.trim()).join('\n'),
            onChange: (listener) => directory.onChange(listener),
          }),
          inject: [IdentityDirectory],
        },
      ],
      exports: [Authenticator, AuthGuard, IdentityDirectory, GRPC_CLIENT_CAS],
    };
  }
}
