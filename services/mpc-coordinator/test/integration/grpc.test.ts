import * as grpc from '@grpc/grpc-js';
import request from 'supertest';
import { GrpcServer } from '@datawell/service-platform';
import { MARKETPLACE_CHANNEL } from '@datawell/contracts';
import { coordinatorClient, hex, kafkaClient, publishLedgerEvent, startCoordinator, waitFor, type Member, type Rpc } from './harness';

jest.setTimeout(180_000);

/**
 * datawell.mpc.v1.Coordinator against the real stack: the same service layer as HTTP, so a DAO of
 * domains the coordinator knows from the public directory (DaoPublished on the marketplace channel),
 * a computation asked for over gRPC visible over HTTP and back, and every refusal with its status. (The
 * coordinator keeps no result: GetResult never gives one; the node processes run in computations.test.ts.)
 */
describe('mpc-coordinator gRPC', () => {
  const run = hex();
  const daoId = `mpcgrpc${run}`;
  const kafka = kafkaClient();
  let coordinator: Awaited<ReturnType<typeof startCoordinator>>;
  let dsp: Member, vsp: Member, other: Member, outsider: Member;
  let client: { call: Rpc; close: () => void };
  /**
   * RequestComputation as `m` asks (the mean of the DSP's readings to the terms' recipient, a fresh
   * request id; `extra` in proto names), signed by `signer`'s enrolled identity (default `m`'s, the
   * DSP's without a caller; null: unsigned).
   */
  const ask = (m: Member | undefined, extra: Record<string, unknown> = {}, signer: Member | null = m ?? dsp) => {
    const message = { dao_id: daoId, version: 1, computation: 'mean', parameters: { columns: ['temperature'] }, dataset: { name: 'readings', owner: dsp.mspId }, recipients: [vsp.mspId], request_id: `g-${hex()}`, ...extra };
    const parameters = message.parameters as { columns?: string[] } | null;
    const signature = (signer ?? dsp).sign({
      daoId: message.dao_id,
      version: message.version as number,
      computation: message.computation as string,
      parameters: { columns: parameters?.columns ?? [] },
      dataset: message.dataset,
      recipients: message.recipients as string[],
      requestId: message.request_id as string,
    });
    const fields = signer ? { issued_at_ms: String(signature.issuedAtMs), certificate_pem: signature.certificatePem, signature: signature.signature } : {};
    return client.call('RequestComputation', { ...message, ...fields }, m?.token);
  };

  beforeAll(async () => {
    coordinator = await startCoordinator(run);
    dsp = await coordinator.member('DSP', 'Dsp');
    vsp = await coordinator.member('VSP', 'Vsp');
    other = await coordinator.member('VSP', 'Oth');
    outsider = await coordinator.member('VSP', 'Out');
    client = coordinatorClient(coordinator.app.get(GrpcServer).port);
    // As the marketplace chaincode emits it: the payload's channel is the one it was emitted on.
    const entry = { daoId, name: daoId, summary: 'a DAO of domains', version: 1, channel: 'marketplace', members: [dsp, vsp, other].map((m) => m.mspId), status: 'active', publishedBy: dsp.mspId, updatedAtMs: Date.now(), created: true };
    await publishLedgerEvent(kafka, MARKETPLACE_CHANNEL, 'DaoPublished', entry, coordinator.eventsTopic);
    await waitFor('the public version in the read model', async () => {
      const res = await request(coordinator.app.getHttpServer()).get(`/daos/${daoId}/versions/1/nodes`).set({ Authorization: `Bearer ${vsp.token}` });
      return res.status === 200 ? true : undefined;
    });
  });

  afterAll(async () => {
    client?.close();
    await coordinator?.close();
  });

  it('queues a computation and shows it to members, like POST /computations', async () => {
    const first = await ask(other, { request_id: `g-${run}` });
    expect(first['created']).toBe(true);
    const computation = first['computation'] as Record<string, unknown>;
    expect(computation).toMatchObject({
      dao_id: daoId,
      version: 1,
      computation: 'mean',
      requester: other.mspId,
      recipients: [vsp.mspId],
      owner: dsp.mspId,
      parameters: { columns: ['temperature'], fractional_bits: 16 },
      dataset: { name: 'readings', owner: dsp.mspId },
    });
    const again = await ask(other, { request_id: `g-${run}` });
    expect(again).toMatchObject({ created: false, computation: { id: computation['id'] } });
    const id = computation['id'] as string;
    const seen = await client.call('GetComputation', { id }, dsp.token);
    expect(seen).toMatchObject({ id, dao_id: daoId, requester: other.mspId });
    expect(['queued', 'running', 'failed']).toContain(seen['status']);
    // The same computation over HTTP.
    const http = await request(coordinator.app.getHttpServer()).get(`/computations/${id}`).set({ Authorization: `Bearer ${vsp.token}` }).expect(200);
    expect(http.body).toMatchObject({ id, requester: other.mspId });
    // No nodes are registered: the worker fails it, and its result is never ready.
    const failed = await waitFor('the computation to fail', async () => {
      const c = await client.call('GetComputation', { id }, vsp.token);
      return c['status'] === 'failed' ? c : undefined;
    });
    expect(failed).toMatchObject({ error: { code: 'NODES_INCOMPLETE' } });
    await expect(client.call('GetResult', { id }, vsp.token)).rejects.toMatchObject({ code: grpc.status.FAILED_PRECONDITION, details: expect.stringMatching(/is failed/) });
  });

  it('answers refusals with their statuses', async () => {
    const { id } = (await ask(dsp))['computation'] as { id: string };
    await expect(ask(undefined)).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    await expect(client.call('GetComputation', { id }, 'forged.token')).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    await expect(client.call('GetResult', { id })).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    await expect(ask(dsp, { parameters: null })).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringMatching(/^parameters/) });
    await expect(ask(dsp, { parameters: { columns: [] } })).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    await expect(ask(dsp, { request_id: 'not ok!' })).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    await expect(ask(outsider)).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    // The terms are private to the DAO's channel: a signed request names its recipients and its data owner, a DSP of the version.
    await expect(ask(dsp, { recipients: [] })).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringMatching(/^recipients/) });
    await expect(ask(dsp, { dataset: { name: 'readings', owner: vsp.mspId } })).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringMatching(/^dataset\.owner: .* is not a data owner/) });
    await expect(ask(dsp, { version: 9 })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    // Unsigned, or signed by another organisation's identity than the caller's.
    await expect(ask(dsp, {}, null)).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringMatching(/^a computation request must be signed by its requester/) });
    await expect(ask(dsp, {}, vsp)).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringMatching(/^the request signature does not verify/) });
    await expect(client.call('GetComputation', { id }, outsider.token)).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    await expect(client.call('GetComputation', { id: `nope-${run}` }, dsp.token)).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    await expect(client.call('GetResult', { id }, outsider.token)).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    // Members who are not recipients are refused; the recipient hears it is not ready.
    await expect(client.call('GetResult', { id }, dsp.token)).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
    await expect(client.call('GetResult', { id }, vsp.token)).rejects.toMatchObject({ code: grpc.status.FAILED_PRECONDITION });
  });
});
