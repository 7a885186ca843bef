import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { IdentityDirectory } from '@datawell/auth';
import { createKeyAndCsr, signWithIdentity, testCertificateAuthority } from '@datawell/testing';
import { stackConnection } from '@datawell/testing';
import { PROVISIONER_PROTO } from '../../src/grpc/provisioner.grpc';

/**
 * A bearer token of an identity of `mspId`, enrolled at a CA of its own. The organisation is written to
 * the instance's identity directory directly: libs/auth fills it from the shared ledger events topic
 * under the service's consumer group, which a scratch instance does not own.
 */
export async function loginAs(app: INestApplication, schema: string, mspId: string, role: 'DSP' | 'VSP'): Promise<string> {
  const ca = await testCertificateAuthority(`ca.${mspId}`);
  const { privateKeyPem, csrPem } = await createKeyAndCsr(`user-${randomBytes(2).toString('hex')}`);
  const certificatePem = await ca.issue(csrPem);
  const db = new DataSource({ type: 'postgres', url: stackConnection().postgres.url });
  await db.initialize();
  try {
    await db.transaction((m) => new IdentityDirectory(db, schema).upsert(m, { mspId, role, name: mspId, status: 'active', caCertPem: ca.caCertPem }, `test:${mspId}`));
  } finally {
    await db.destroy();
  }
  const server = app.getHttpServer();
  const { challenge } = (await request(server).post('/auth/challenge').send({}).expect(200)).body as { challenge: string };
  const res = await request(server).post('/auth/token').send({ certificatePem, challenge, signature: signWithIdentity(privateKeyPem, challenge) });
  if (res.status !== 200) throw new Error(`login as ${mspId}: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { token: string }).token;
}

export type Rpc = (method: string, message: Record<string, unknown>, token?: string) => Promise<Record<string, unknown>>;

/** A client of datawell.provisioner.v1.Provisioner on `port`; a token goes in the authorization metadata. */
export function provisionerClient(port: number): { call: Rpc; close: () => void } {
  const definition = protoLoader.loadSync(PROVISIONER_PROTO, { keepCase: true, longs: Number, defaults: true });
  const proto = grpc.loadPackageDefinition(definition) as unknown as { datawell: { provisioner: { v1: { Provisioner: grpc.ServiceClientConstructor } } } };
  const client = new proto.datawell.provisioner.v1.Provisioner(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as grpc.Client &
    Record<string, (r: unknown, m: grpc.Metadata, cb: (e: grpc.ServiceError | null, v: Record<string, unknown>) => void) => void>;
  const call: Rpc = (method, message, token) => {
    const metadata = new grpc.Metadata();
    if (token !== undefined) metadata.set('authorization', `Bearer ${token}`);
    return new Promise((resolve, reject) => client[method]!(message, metadata, (e, v) => (e ? reject(e) : resolve(v))));
  };
  return { call, close: () => client.close() };
}
