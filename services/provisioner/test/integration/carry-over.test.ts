import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { KafkaMessage } from 'kafkajs';
import { loadServiceConfig } from '@datawell/config';
import { createServiceApp } from '@datawell/service-platform';
import { ledgerEventCloudEvent, type LedgerEvent } from '@datawell/contracts';
import { hex, readTopic, sleep, stackEnv, stackKafka } from '@datawell/testing';
import { AppModule } from '../../src/app.module';
import { createTopics, dataOf, db, killWorkloads, scratchSettings, versionCreatedPayload } from './harness';
import { type ProvisionerConfig, provisionerService } from '../../src/config';

jest.setTimeout(420_000);

/**
 * Carry-over registration against the real stack (PostgreSQL, Kafka, OpenTofu, supervised workloads):
 * a member of version 1 sits in version 2's channel too, so the workloads built for version 1 are
 * registered on CH_2 as their owners, with the same ids and keys, whichever of the two comes first.
 */
describe('the provisioner carries workloads of earlier versions over to a new version', () => {
  const schema = `prov_it_carry_${hex()}`;
  const workDir = mkdtempSync(join(tmpdir(), 'prov-carry-'));
  const scratch = scratchSettings(workDir);
  const { topics, tofuSchema } = scratch;
  const kafka = stackKafka(`prov-carry-${hex()}`);
  let app: INestApplication;
  let block = 100;

  const publish = async (daoId: string, version: number, eventName: string, payload: Record<string, unknown>): Promise<void> => {
    const event: LedgerEvent = {
      channel: `dao-${daoId}-v${version}`,
      blockNumber: String(block++),
      transactionId: `tx${hex(8)}`,
      eventIndex: 0,
      chaincodeId: 'dao',
      eventName,
      payloadEncoding: 'json',
      payload: payload as never,
      daoId,
    };
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({ topic: topics.events, messages: [{ key: daoId, value: JSON.stringify(ledgerEventCloudEvent(event)) }] });
    } finally {
      await producer.disconnect();
    }
  };

  /** Version 2 of `daoId`: version 1's members and a joiner Vsp2MSP, whose only workload is self-hosted. */
  const version2 = (daoId: string) => {
    const v1 = versionCreatedPayload(daoId) as { members: unknown[] };
    return {
      ...v1,
      version: 2,
      members: [...v1.members, { mspId: 'Vsp2MSP', group: 'J2', role: 'VSP', weight: 1, ownershipPpm: 100000 }],
      infrastructureRequested: { revision: 1, spec: { workloads: [{ name: 'vsp2-own', owner: 'Vsp2MSP', placement: 'self-hosted', kind: 'service' }] } },
    };
  };

  type Command = { commandId: string; transaction: string; actingMspId: string; channel: string; arguments: string[] };
  const commands = async (done: (cs: Command[]) => boolean): Promise<Command[]> =>
    (await readTopic(kafka, topics.commands, (ms: KafkaMessage[]) => done(ms.map((m) => dataOf(m) as unknown as Command)), { timeoutMs: 240_000, groupPrefix: 'prov-carry-reader' })).map(
      (m) => dataOf(m) as unknown as Command,
    );
  const on = (cs: Command[], channel: string, transaction: string) => cs.filter((c) => c.channel === channel && c.transaction === transaction);
  const registrations = (cs: Command[], channel: string) =>
    on(cs, channel, 'RegisterWorkload')
      .map((c) => ({ id: c.commandId, owner: c.actingMspId, ...(JSON.parse(c.arguments[0]!) as { workloadId: string; publicKeyPem: string }) }))
      .sort((a, b) => (a.workloadId < b.workloadId ? -1 : 1));

  beforeAll(async () => {
    await createTopics(kafka, topics);
    const loaded = loadServiceConfig(provisionerService, { ...stackEnv(), PROVISIONER_GRPC_PORT: '0', DATAWELL_LOG_LEVEL: 'warn', ...scratch.env, PROVISIONER_JOB_ATTEMPTS: '2' });
    app = await createServiceApp({ ...loaded, postgres: { ...loaded.postgres, schema } } as ProvisionerConfig, AppModule.forConfig);
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    killWorkloads(workDir);
    await db(`DROP SCHEMA IF EXISTS "${tofuSchema}" CASCADE`);
    await db(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    rmSync(workDir, { recursive: true, force: true });
  });

  it('registers version 1\'s running workloads on CH_2 once version 2 is created, as their owners with the same keys, once', async () => {
    const daoId = `pcr${hex()}`;
    const [ch1, ch2] = [`dao-${daoId}-v1`, `dao-${daoId}-v2`];
    await publish(daoId, 1, 'VersionCreated', versionCreatedPayload(daoId));
    const built = await commands((cs) => on(cs, ch1, 'InfrastructureProvisioned').length > 0);
    const own = registrations(built, ch1);
    expect(own.map((r) => [r.workloadId, r.owner, r.id])).toEqual([
      [`${daoId}-v1-dsp-mpc`, 'DspMSP', `provisioner:register:${ch1}:${daoId}-v1-dsp-mpc`],
      [`${daoId}-v1-vsp1-mpc`, 'Vsp1MSP', `provisioner:register:${ch1}:${daoId}-v1-vsp1-mpc`],
    ]);

    await publish(daoId, 2, 'VersionCreated', version2(daoId));
    const after = await commands((cs) => on(cs, ch2, 'InfrastructureProvisioned').length > 0 && registrations(cs, ch2).length >= 2);
    expect(registrations(after, ch2)).toEqual(own.map((r) => ({ ...r, id: `provisioner:register:${ch2}:${r.workloadId}` })));
    // Redelivered (the same event again): nothing is submitted twice.
    await publish(daoId, 2, 'VersionCreated', version2(daoId));
    await sleep(3000);
    const all = await commands((cs) => on(cs, ch2, 'InfrastructureProvisioned').length > 0);
    expect(new Set(all.map((c) => c.commandId)).size).toBe(all.length);
    expect(registrations(all, ch2)).toHaveLength(2);
    expect(on(all, ch1, 'RegisterWorkload')).toHaveLength(2);
  });

  it('registers them on CH_2 too when version 2 was created before version 1 was built', async () => {
    const daoId = `pcr${hex()}`;
    const [ch1, ch2] = [`dao-${daoId}-v1`, `dao-${daoId}-v2`];
    // Version 2's event first: nothing of version 1 is built, nothing to carry yet.
    await publish(daoId, 2, 'VersionCreated', version2(daoId));
    await commands((cs) => on(cs, ch2, 'InfrastructureProvisioned').length > 0);
    await publish(daoId, 1, 'VersionCreated', versionCreatedPayload(daoId));
    const all = await commands((cs) => on(cs, ch1, 'InfrastructureProvisioned').length > 0);
    const own = registrations(all, ch1);
    expect(own).toHaveLength(2);
    expect(registrations(all, ch2)).toEqual(own.map((r) => ({ ...r, id: `provisioner:register:${ch2}:${r.workloadId}` })));
  });
});
