import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadServiceConfig } from '@datawell/config';
import { createKeyAndCsr, grpcTestClient, stackEnv, testCertificateAuthority } from '@datawell/testing';
import { MARKETPLACE_GRPC } from '../../src/grpc/marketplace.grpc';
import { hex, MarketplaceHarness, onboard, type Member } from './harness';
import { marketplaceService } from '../../src/config';

/**
 * The marketplace with a TLS identity (DATAWELL_TLS_CERT_FILE / _KEY_FILE): HTTPS, where an enrolled
 * identity may authenticate by mutual TLS instead of a bearer token, and gRPC over TLS.
 */
const h = new MarketplaceHarness();
const dir = mkdtempSync(join(tmpdir(), 'datawell-tls-'));
const files = { cert: join(dir, 'marketplace.crt'), key: join(dir, 'marketplace.key'), notPem: join(dir, 'not.pem') };
let dsp: Member;
let serverCaPem: string;

beforeAll(async () => {
  const ca = await testCertificateAuthority('marketplace-tls-ca');
  const server = await createKeyAndCsr('marketplace');
  writeFileSync(files.cert, await ca.issue(server.csrPem));
  writeFileSync(files.key, server.privateKeyPem, { mode: 0o600 });
  writeFileSync(files.notPem, 'just text');
  serverCaPem = ca.caCertPem;
  await h.start({ tls: { certFile: files.cert, keyFile: files.key, caPem: ca.caCertPem } });
  dsp = await onboard(h, 'DSP');
});

afterAll(async () => {
  await h.stop();
  rmSync(dir, { recursive: true, force: true });
});

const offer = (tag: string) => ({
  kind: 'data',
  title: `Tide gauges ${tag}`,
  description: `Water level every ten minutes from the harbour's gauges. Marker ${tag}.`,
  tags: ['tide', tag],
  schema: { levelMm: 'int' },
  updateFrequency: 'every ten minutes',
  source: { type: 'iot-stream', topic: 'dsp.tide.readings' },
});

it('serves HTTPS only: a plain HTTP request to the port gets no answer', async () => {
  await expect(fetch(h.baseUrl.replace('https:', 'http:') + '/health', { signal: AbortSignal.timeout(5000) })).rejects.toThrow();
  expect((await h.https('GET', '/health')).status).toBe(200);
});

it('takes the client certificate of an enrolled identity instead of a bearer token, and attributes the write to its organisation', async () => {
  const posted = await h.https('POST', '/offers', { body: JSON.stringify(offer(hex())), clientCertificatePem: dsp.certificatePem, clientKeyPem: dsp.privateKeyPem });
  expect(posted).toMatchObject({ status: 202, body: { status: 'submitted' } });
  const command = await h.command(h.topics.ledgerCommands, (r) => r.value.data['commandId'] === posted.body['commandId']);
  expect(command.value.data).toMatchObject({ transaction: 'PostOffer', actingMspId: dsp.mspId });
  // Bearer tokens keep working over HTTPS.
  expect(await h.http('POST', '/offers', offer(hex()), dsp.token)).toMatchObject({ status: 202 });
});

it('refuses a connection without a client certificate or with one no participant issued: 401 UNAUTHENTICATED', async () => {
  expect(await h.https('POST', '/offers', { body: JSON.stringify(offer(hex())) })).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });
  const stranger = await testCertificateAuthority('stranger-ca');
  const identity = await createKeyAndCsr(dsp.enrollmentId);
  const forged = await stranger.issue(identity.csrPem);
  const refused = await h.https('POST', '/offers', { body: JSON.stringify(offer(hex())), clientCertificatePem: forged, clientKeyPem: identity.privateKeyPem });
  expect(refused).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED', message: expect.stringMatching(/not issued by the CA of any registered participant/) } });
});

it('serves gRPC over TLS with the same bearer tokens; a plaintext client is refused', async () => {
  const secure = grpcTestClient(MARKETPLACE_GRPC.protoFile, 'datawell.marketplace.v1.Marketplace', h.grpcPort, serverCaPem);
  const plain = grpcTestClient(MARKETPLACE_GRPC.protoFile, 'datawell.marketplace.v1.Marketplace', h.grpcPort);
  try {
    expect(await secure.call('GetParticipant', { msp_id: dsp.mspId }, dsp.token)).toMatchObject({ msp_id: dsp.mspId, role: 'DSP' });
    await expect(plain.call('GetParticipant', { msp_id: dsp.mspId }, dsp.token)).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
  } finally {
    secure.close();
    plain.close();
  }
});

it('refuses to boot with half a TLS identity, an unreadable file or a file that is not PEM, naming each variable', () => {
  expect(() => loadServiceConfig(marketplaceService, { ...stackEnv(), DATAWELL_TLS_CERT_FILE: files.cert })).toThrow(/DATAWELL_TLS_KEY_FILE: is required when DATAWELL_TLS_CERT_FILE is set/);
  expect(() => loadServiceConfig(marketplaceService, { ...stackEnv(), DATAWELL_TLS_CERT_FILE: join(dir, 'missing.crt'), DATAWELL_TLS_KEY_FILE: files.notPem })).toThrow(
    /DATAWELL_TLS_CERT_FILE: cannot read .*missing\.crt \(ENOENT\)[\s\S]*DATAWELL_TLS_KEY_FILE: .*not\.pem holds no PEM private key/,
  );
  const config = loadServiceConfig(marketplaceService, { ...stackEnv(), DATAWELL_TLS_CERT_FILE: files.cert, DATAWELL_TLS_KEY_FILE: files.key });
  expect(JSON.stringify(config)).not.toContain('PRIVATE KEY');
  expect(JSON.stringify(config)).toContain('"keyPem":"***"');
});
