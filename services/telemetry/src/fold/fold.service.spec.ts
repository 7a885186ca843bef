import type { HeartbeatService } from '../heartbeats/heartbeat.service';
import type { HeartbeatStore } from '../heartbeats/heartbeat-store.adapter';
import { telemetryCounters } from '../metrics';
import type { TelemetryRepository } from '../model/telemetry.repository';
import { FoldService } from './fold.service';
import { Registry } from 'prom-client';

const NOW = 1_800_000_000_000;
const CHANNEL = 'dao-q1-v1';

/**
 * Telemetry that was away finds every member silent on its own books while their heartbeats wait on
 * Kafka. It asks about no one's silence until that backlog is read: a unit test of the gate (the
 * backlog itself is tested against Kafka in libs/messaging/test/integration/consumer.test.ts).
 */
describe('FoldService: abandonment waits for the heartbeats queued while telemetry was away', () => {
  function fold(caughtUp: { value: boolean }) {
    const inserted: string[] = [];
    const repository = {
      versions: jest.fn(async () => [{ channel: CHANNEL, daoId: 'q1', version: 1, status: 'active', heartbeatIntervalSeconds: 1, abandonAfterSeconds: 30, createdAtMs: NOW - 600_000, contractEndsAtMs: null }]),
      members: jest.fn(async () => [
        { channel: CHANNEL, mspId: 'DspMSP', role: 'DSP', group: 'D', level: 0, status: 'active' },
        { channel: CHANNEL, mspId: 'Vsp1MSP', role: 'VSP', group: 'J1', level: 1, status: 'active' },
      ]),
      workloads: jest.fn(async () => [{ channel: CHANNEL, workloadId: 'w-vsp', owner: 'Vsp1MSP', registeredAtMs: NOW - 600_000, recordedHeartbeatMs: NOW - 300_000 }]),
      insertAbandonmentRequest: jest.fn(async (candidate: { commandId: string }) => {
        inserted.push(candidate.commandId);
        return true;
      }),
    };
    const store = { latestMany: jest.fn(async () => [undefined]) };
    const logs: string[] = [];
    const service = new FoldService({
      repository: repository as unknown as TelemetryRepository,
      store: store as unknown as HeartbeatStore,
      heartbeats: {} as HeartbeatService,
      commandsTopic: 'datawell.ledger.commands',
      logger: { log: (m: { message: string }) => logs.push(m.message), warn: () => undefined, error: () => undefined, debug: () => undefined } as never,
      counters: telemetryCounters(new Registry()),
      wakeOutbox: () => undefined,
      now: () => NOW,
      registrationGraceMs: 86_400_000,
      heartbeatsCaughtUp: () => caughtUp.value,
    });
    return { service, repository, inserted, logs };
  }

  it('asks about no silent member before the backlog is read, says so once, and asks once it is read', async () => {
    const caughtUp = { value: false };
    const { service, repository, inserted, logs } = fold(caughtUp);
    expect(await service.requestAbandonment()).toEqual([]);
    expect(await service.requestAbandonment()).toEqual([]);
    expect(repository.versions).not.toHaveBeenCalled();
    expect(logs.filter((m) => m.includes('until the heartbeats queued'))).toHaveLength(1);

    caughtUp.value = true;
    const asked = await service.requestAbandonment();
    expect(asked).toHaveLength(1);
    expect(inserted).toEqual(asked);
    expect(logs).toContain('queued heartbeats read; evaluating abandonment');
  });
});
