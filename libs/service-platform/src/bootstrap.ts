import 'reflect-metadata';
import type { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { ConfigError, loadServiceConfig, type ConfigOf, type Environment, type ServiceConfig, type ServiceDefinition } from '@datawell/config';
import type { Dependency } from '@datawell/contracts';
import { bodyParserErrors, refuseNulText } from './errors.filter';
import { ServiceLogger } from './logger';
import { addBodySchemas } from './openapi-body';

/** Request bodies above this are refused with 413 PAYLOAD_TOO_LARGE before any controller runs. */
export const BODY_LIMIT = '256kb';

export type AppModuleFactory<C> = (config: C) => DynamicModule;

/**
 * Builds a service's Nest application from its config without listening, with JSON logs and
 * shutdown hooks that close its connections on SIGTERM/SIGINT. Tests use this directly.
 */
export async function createServiceApp<C extends ServiceConfig>(
  config: C,
  appModule: AppModuleFactory<C>,
): Promise<INestApplication> {
  const logger = new ServiceLogger(config.service, config.logLevel);
  // With a TLS identity: HTTPS only. Client certificates are asked for, not required, and not checked
  // by TLS: libs/auth accepts one only if it chains to the CA of an active participant (mutual TLS as
  // an alternative to bearer tokens); the handshake itself proves the caller holds its key.
  const httpsOptions = config.tls ? { cert: config.tls.certPem, key: config.tls.keyPem, requestCert: true, rejectUnauthorized: false } : undefined;
  const app = await NestFactory.create<NestExpressApplication>(appModule(config), { logger, abortOnError: false, bodyParser: false, ...(httpsOptions ? { httpsOptions } : {}) });
  app.useBodyParser('json', { limit: BODY_LIMIT });
  app.useBodyParser('urlencoded', { limit: BODY_LIMIT, extended: false });
  // Body parser errors are answered here, before routing, in the `{code, message}` shape.
  app.use(bodyParserErrors);
  app.use(refuseNulText);
  app.enableShutdownHooks();
  keepConnectionsLongerThanClients(app);
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(`Datawell ${config.service}`)
      .setDescription(
        `The ${config.service} API. Authenticate with POST /auth/challenge and POST /auth/token, then send the token as a bearer token` +
          (config.tls ? ', or call over mutual TLS with your enrolled certificate and key' : '') +
          '. Errors are {code, message}. Text never contains NUL (U+0000): a request with one is refused with 400 INVALID_REQUEST.',
      )
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  addBodySchemas(document);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  return app;
}

/**
 * The whole of a service's main.ts: load and validate the config, build the app, listen on the
 * service's port. Failures end the process with exit code 1 and one JSON line on stderr; a
 * ConfigError lists every bad variable.
 */
export async function bootstrapService<T, D extends Dependency>(
  definition: ServiceDefinition<T, D>,
  appModule: AppModuleFactory<ConfigOf<ServiceDefinition<T, D>>>,
  env?: Environment,
): Promise<INestApplication | undefined> {
  const service = definition.spec.name;
  let config: ServiceConfig;
  try {
    config = loadServiceConfig(definition, env) as ServiceConfig;
  } catch (error) {
    fail(service, error);
    return undefined;
  }
  const logger = new ServiceLogger(service, config.logLevel);
  logger.log({ message: 'starting', config }, 'Bootstrap');
  let app: INestApplication | undefined;
  try {
    // The module factory takes the definition's own config type, which TypeScript cannot relate to
    // ServiceConfig while T and D are open; loadServiceConfig built exactly that type.
    app = await createServiceApp(config, appModule as unknown as AppModuleFactory<ServiceConfig>);
    await app.listen(config.http.port);
    exitIfShutdownHangs(service);
    logger.log({ message: 'listening', port: config.http.port, health: '/health' }, 'Bootstrap');
    return app;
  } catch (error) {
    fail(service, error);
    // Close what did open (e.g. the port was taken after PostgreSQL connected) so the process can exit.
    await app?.close().catch(() => undefined);
    return undefined;
  }
}

/**
 * Idle keep-alive connections stay open for a minute (Node's default is 5 s). A client that reuses a
 * pooled connection (Node's fetch keeps them for 4 s by default, or as long as the server's
 * `Keep-Alive: timeout` hint allows) could send its request just as the server closed the connection
 * at 5 s: a POST then fails with "other side closed" and is not retried. This happened to a CI run's
 * e2e test that waited out a voting period between two calls to the same bridge. The header timeout
 * must stay above the keep-alive timeout.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

function keepConnectionsLongerThanClients(app: INestApplication): void {
  const server = app.getHttpServer() as { keepAliveTimeout: number; headersTimeout: number };
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000;
}

/** How long a service may take to close its connections after SIGTERM or SIGINT before it exits anyway. */
export const SHUTDOWN_DEADLINE_MS = 30_000;

/**
 * Nest's shutdown hooks close every connection before the process ends; one that never answers (a
 * Kafka consumer stuck in a rebalance, a broker gone) must not keep a stopped service alive, and a
 * supervisor's SIGKILL would lose the log line saying why. The timer does not keep the process alive.
 */
function exitIfShutdownHangs(service: string): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      setTimeout(() => {
        process.stderr.write(
          `${JSON.stringify({ level: 'error', service, message: `shutdown after ${signal} did not finish within ${SHUTDOWN_DEADLINE_MS / 1000} s; exiting`, timestamp: Date.now(), pid: process.pid })}\n`,
        );
        process.exit(1);
      }, SHUTDOWN_DEADLINE_MS).unref();
    });
  }
}

function fail(service: string, error: unknown): void {
  const record =
    error instanceof ConfigError
      ? { level: 'fatal', service, code: error.code, message: error.message, issues: error.issues }
      : { level: 'fatal', service, message: `failed to start: ${error instanceof Error ? error.message : String(error)}` };
  process.stderr.write(`${JSON.stringify({ ...record, timestamp: Date.now(), pid: process.pid })}\n`);
  process.exitCode = 1;
}
