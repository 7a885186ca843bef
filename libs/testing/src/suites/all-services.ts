import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { stackConnection, stackEnv } from '../connection';
import type { EnrolledIdentity } from '../identity/client';
import { enrolTestIdentity, hex } from '../service-harness';

/**
 * A service to boot in-process on the test stack. Built by the caller (libraries never import
 * services): `(env) => createServiceApp(loadServiceConfig(<service>Service, env), AppModule.forConfig)`.
 */
export interface ServiceUnderTest {
  readonly name: string;
  /** Its PostgreSQL schema, whose identity directory `enrolParticipant` writes. */
  readonly schema: string;
  /**
   * The service's app, not yet initialised, for the stack's environment with its gRPC on a free port;
   * `scratchDir` is a folder of this boot's, removed at `close`; `label` names what the boot makes.
   */
  readonly createApp: (env: Record<string, string>, boot: { readonly scratchDir: string; readonly label: string }) => Promise<INestApplication>;
}

export interface BootOptions {
  /** Names the scratch folder, consumer groups, identities and directory rows the boot makes. */
  readonly label: string;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug';
  /** Listen on a loopback port (for clients outside the process), or only initialise (supertest). */
  readonly listen: boolean;
}

export type BootedService<S extends ServiceUnderTest> = S & {
  readonly app: INestApplication;
  /** `http://127.0.0.1:<port>` when booted with `listen`. */
  readonly baseUrl?: string;
};

export interface BootedServices<S extends ServiceUnderTest> {
  /** In the order given. */
  readonly services: readonly BootedService<S>[];
  /**
   * An identity of a new organisation enrolled at a CA of its own, its organisation written (active)
   * into every booted service's identity directory.
   */
  enrolParticipant(mspId: string, role: 'DSP' | 'VSP'): Promise<EnrolledIdentity>;
  /** Closes the apps (in reverse order) and removes the scratch folder. */
  close(): Promise<void>;
}

/**
 * Boots every service given, in-process against the running test stack, one after the other (as the
 * API security matrix and the schemathesis run do). On a failure, what was booted is closed again.
 */
export async function bootAllServices<S extends ServiceUnderTest>(services: readonly S[], options: BootOptions): Promise<BootedServices<S>> {
  const scratchDir = mkdtempSync(join(tmpdir(), `${options.label}-`));
  const booted: BootedService<S>[] = [];
  const close = async () => {
    for (const b of [...booted].reverse()) await b.app.close();
    booted.length = 0;
    rmSync(scratchDir, { recursive: true, force: true });
  };
  try {
    for (const service of services) {
      // gRPC on any free port: `./dev up` may hold the default one.
      const grpcPort = `${service.name.toUpperCase().replace(/-/g, '_')}_GRPC_PORT`;
      const env = { ...stackEnv(), DATAWELL_LOG_LEVEL: options.logLevel, [grpcPort]: '0' };
      const app = await service.createApp(env, { scratchDir, label: options.label });
      if (!options.listen) {
        await app.init();
        booted.push({ ...service, app });
        continue;
      }
      await app.listen(0, '127.0.0.1');
      const { port } = app.getHttpServer().address() as AddressInfo;
      booted.push({ ...service, app, baseUrl: `http://127.0.0.1:${port}` });
    }
  } catch (error) {
    await close();
    throw error;
  }
  const enrolParticipant = async (mspId: string, role: 'DSP' | 'VSP'): Promise<EnrolledIdentity> => {
    const db = new Client({ connectionString: stackConnection().postgres.url });
    await db.connect();
    try {
      return await enrolTestIdentity(mspId, role, async (entry) => {
        for (const b of booted) {
          await db.query(
            `INSERT INTO "${b.schema}".identity_directory (msp_id, role, name, status, ca_cert_pem, event_id) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (msp_id) DO UPDATE SET ca_cert_pem = EXCLUDED.ca_cert_pem, status = EXCLUDED.status`,
            [entry.mspId, entry.role, entry.name, entry.status, entry.caCertPem, `${options.label}-${hex()}`],
          );
        }
      });
    } finally {
      await db.end();
    }
  };
  return { services: booted, enrolParticipant, close };
}
