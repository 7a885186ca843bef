import { HttpException, Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown, type Type } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { X509Certificate } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { DatawellError, ERROR_KINDS, type ErrorKind } from '@datawell/domain';
import type { ServiceConfig } from '@datawell/config';
import { GRPC_CLIENT_CAS, SERVICE_CONFIG } from './tokens';

/** What a handler knows of the caller besides its metadata: the client certificate of a mutual-TLS call. */
export interface GrpcCallPeer {
  readonly certificatePem?: string;
}

/** A unary handler: the request message in, the response message out; errors carry a `code`. */
export type GrpcUnaryHandler = (request: Record<string, unknown>, metadata: grpc.Metadata, peer: GrpcCallPeer) => Promise<unknown>;

/** The CAs of the identities that may call with a client certificate, and news of a change. */
export interface GrpcClientCas {
  /** PEM certificates, concatenated. */
  current(): Promise<string>;
  onChange(listener: () => void): void;
}

/**
 * The PEM of the certificate a TLS client presented on this call, if any. grpc-js hands it over only
 * when it chains to the server's CA list (GRPC_CLIENT_CAS); the handler still checks it (libs/auth).
 */
export function peerOf(call: Pick<grpc.ServerUnaryCall<unknown, unknown>, 'getAuthContext'>): GrpcCallPeer {
  const raw = call.getAuthContext?.().sslPeerCertificate?.raw;
  if (!raw || raw.length === 0) return {};
  try {
    return { certificatePem: new X509Certificate(raw).toString() };
  } catch {
    return {};
  }
}

export interface GrpcServiceOptions {
  /** Absolute path of the .proto file (in libs/contracts/proto). */
  readonly protoFile: string;
  /** Fully qualified service name, e.g. `datawell.marketplace.v1.Marketplace`. */
  readonly service: string;
  /** A provider of the app whose methods, named like the rpcs, are the handlers. */
  readonly handlers: Type<object>;
}

export const GRPC_OPTIONS = Symbol('GRPC_OPTIONS');

/** The kinds of Nest's own HttpExceptions (pipes, guards) by HTTP status; 409 is a conflict of state. */
const KIND_OF_HTTP_STATUS: Readonly<Record<number, ErrorKind>> = {
  400: 'invalid',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'notFound',
  409: 'conflict',
  422: 'unprocessable',
  503: 'unavailable',
};

/**
 * The one gRPC mapping: a DatawellError's status is its kind's (ERROR_KINDS), never guessed from its
 * code's name; an HttpException's follows its HTTP status; anything else is INTERNAL.
 */
export function grpcStatusOf(error: unknown): grpc.status {
  if (error instanceof DatawellError) return error.grpcStatus;
  if (error instanceof HttpException) {
    const kind = KIND_OF_HTTP_STATUS[error.getStatus()];
    return kind ? ERROR_KINDS[kind].grpc : grpc.status.INTERNAL;
  }
  return grpc.status.INTERNAL;
}

/**
 * The trailing metadata of a refused call: a DatawellError's stable code (`datawell-code`, as HTTP's
 * `code`) and, for a rate limit, `retry-after` (whole seconds, as HTTP's Retry-After header).
 */
export function errorMetadata(error: unknown): grpc.Metadata {
  const metadata = new grpc.Metadata();
  if (!(error instanceof DatawellError)) return metadata;
  metadata.set('datawell-code', error.code);
  const retryAfter = error.retryAfterSeconds();
  if (retryAfter !== undefined) metadata.set('retry-after', String(retryAfter));
  return metadata;
}

export function loadGrpcService(protoFile: string, service: string): grpc.ServiceDefinition {
  const definition = protoLoader.loadSync(protoFile, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
  const packageObject = grpc.loadPackageDefinition(definition);
  const ctor = service.split('.').reduce<unknown>((o, part) => (o as Record<string, unknown> | undefined)?.[part], packageObject) as { service?: grpc.ServiceDefinition } | undefined;
  if (!ctor?.service) throw new Error(`${protoFile} has no service ${service}`);
  return ctor.service;
}

/**
 * Serves a service's gRPC API on its gRPC port (`<SERVICE>_GRPC_PORT`; 0 picks a free port) for the
 * life of the app. Handler errors become gRPC statuses with the error's message; nothing else leaks.
 */
@Injectable()
export class GrpcServer implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly #logger = new Logger('Grpc');
  #server: grpc.Server | undefined;
  #port: number | undefined;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(GRPC_OPTIONS) private readonly options: GrpcServiceOptions,
    private readonly moduleRef: ModuleRef,
  ) {}

  /** The port bound, once the app has bootstrapped. */
  get port(): number {
    if (this.#port === undefined) throw new Error('the gRPC server is not listening');
    return this.#port;
  }

  async onApplicationBootstrap(): Promise<void> {
    const definition = loadGrpcService(this.options.protoFile, this.options.service);
    const handlers = this.moduleRef.get(this.options.handlers, { strict: false }) as Record<string, unknown>;
    const implementation: grpc.UntypedServiceImplementation = {};
    for (const [name, method] of Object.entries(definition)) {
      const handler = handlers[name];
      if (typeof handler !== 'function') throw new Error(`${this.options.handlers.name} has no handler for rpc ${name}`);
      if (method.requestStream || method.responseStream) throw new Error(`rpc ${name}: only unary rpcs are served`);
      implementation[name] = (call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        (handler as GrpcUnaryHandler)
          .call(handlers, call.request, call.metadata, peerOf(call))
          .then((response) => callback(null, response))
          .catch((error: unknown) => {
            const code = grpcStatusOf(error);
            if (code === grpc.status.INTERNAL) this.#logger.error({ message: 'rpc failed', rpc: name, error: String(error) });
            callback({ code, details: code === grpc.status.INTERNAL ? 'internal error' : String((error as Error)?.message ?? error), metadata: errorMetadata(error) });
          });
      };
    }
    const server = new grpc.Server();
    server.addService(definition, implementation);
    this.#port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`0.0.0.0:${this.config.grpc.port}`, this.#credentials(), (error, port) => (error ? reject(error) : resolve(port))),
    );
    this.#server = server;
    this.#logger.log({ message: 'gRPC listening', service: this.options.service, port: this.#port, tls: this.config.tls !== undefined });
  }

  /**
   * TLS with the service's identity when it has one (bearer tokens then never cross the wire in clear),
   * asking callers for a client certificate of the known CAs when the app binds GRPC_CLIENT_CAS.
   */
  #credentials(): grpc.ServerCredentials {
    const tls = this.config.tls;
    if (!tls) return grpc.ServerCredentials.createInsecure();
    const cas = this.#clientCas();
    if (cas) return grpcServerCredentials(tls, cas, (error) => this.#logger.error({ message: 'could not read the client CAs', error: String(error) }));
    return grpc.ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(tls.certPem), private_key: Buffer.from(tls.keyPem) }], false);
  }

  #clientCas(): GrpcClientCas | undefined {
    try {
      return this.moduleRef.get<GrpcClientCas>(GRPC_CLIENT_CAS, { strict: false });
    } catch {
      return undefined;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  }
}

/**
 * TLS with the service's certificate that asks every caller for a client certificate and accepts a
 * call with none (it then needs a bearer token) or with one of another CA (handed to no handler), as
 * the HTTP server does; the CA list follows `cas` as participants register. createSsl cannot ask
 * without rejecting every certificate outside the list, nor change the list.
 */
export function grpcServerCredentials(tls: { readonly certPem: string; readonly keyPem: string }, cas: GrpcClientCas, onError: (error: unknown) => void): grpc.ServerCredentials {
  const identity = { certificate: Buffer.from(tls.certPem), privateKey: Buffer.from(tls.keyPem) };
  const caListeners = new Set<(update: { caCertificate: Buffer }) => void>();
  const publish = () =>
    cas.current().then(
      // An empty list is not a TLS setting: the server's own chain stands in (no client matches it).
      (pems) => caListeners.forEach((listener) => listener({ caCertificate: Buffer.from(pems.trim() === '' ? tls.certPem : pems) })),
      onError,
    );
  cas.onChange(() => void publish());
  // One provider in both places: grpc-js's factory and its class disagree on the arguments' order.
  // Updates are delivered after the call returns: the server registers its watcher only then.
  const provider = {
    addCaCertificateListener: (listener: (update: { caCertificate: Buffer }) => void) => {
      caListeners.add(listener);
      void publish();
    },
    removeCaCertificateListener: (listener: (update: { caCertificate: Buffer }) => void) => void caListeners.delete(listener),
    addIdentityCertificateListener: (listener: (update: typeof identity) => void) => queueMicrotask(() => listener(identity)),
    removeIdentityCertificateListener: () => undefined,
  };
  return grpc.experimental.createCertificateProviderServerCredentials(provider, provider, false);
}
