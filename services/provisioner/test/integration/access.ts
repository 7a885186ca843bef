import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { IdentityDirectory } from '@datawell/auth';
import { enrolTestIdentity, grpcTestClient, loginAtServer, stackConnection, type GrpcCall } from '@datawell/testing';
import { PROVISIONER_PROTO } from '../../src/grpc/provisioner.grpc';

/**
 * A bearer token of an identity of `mspId`, enrolled at a CA of its own. The organisation is written to
 * the instance's identity directory directly: libs/auth fills it from the shared ledger events topic
 * under the service's consumer group, which a scratch instance does not own.
 */
export async function loginAs(app: INestApplication, schema: string, mspId: string, role: 'DSP' | 'VSP'): Promise<string> {
  const identity = await enrolTestIdentity(mspId, role, async (entry) => {
    const db = new DataSource({ type: 'postgres', url: stackConnection().postgres.url });
    await db.initialize();
    try {
      await db.transaction((m) => new IdentityDirectory(db, schema).upsert(m, entry, `test:${mspId}`));
    } finally {
      await db.destroy();
    }
  });
  return loginAtServer(app.getHttpServer(), identity);
}

export type Rpc = GrpcCall;

/** A client of datawell.provisioner.v1.Provisioner on `port`; a token goes in the authorization metadata. */
export function provisionerClient(port: number): { call: Rpc; close: () => void } {
  return grpcTestClient(PROVISIONER_PROTO, 'datawell.provisioner.v1.Provisioner', port);
}
