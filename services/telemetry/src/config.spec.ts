import { ConfigError, loadServiceConfig } from '@datawell/config';
import { telemetryService } from './config';

const base = { DATAWELL_POSTGRES_URL: 'postgres://u:p@localhost:5432/d', DATAWELL_REDIS_URL: 'redis://localhost:6379', DATAWELL_KAFKA_BROKERS: 'localhost:9092' };

describe('telemetry settings', () => {
  it('default to a 2 s fold and the shared topics', () => {
    expect(loadServiceConfig(telemetryService, base).settings).toEqual({
      foldIntervalMs: 2000,
      pendingHeartbeatTtlMs: 60_000,
      topics: {
        ledgerEvents: 'datawell.ledger.events.v1',
        ledgerCommands: 'datawell.ledger.commands.v1',
        ledgerReceipts: 'datawell.ledger.receipts.v1',
        telemetry: 'datawell.infra.telemetry.v1',
      },
      groupIdPrefix: 'datawell-telemetry',
      redisKeyPrefix: 'datawell:telemetry',
    });
  });

  it('read the variables and refuse bad ones, naming each', () => {
    const settings = loadServiceConfig(telemetryService, { ...base, TELEMETRY_FOLD_INTERVAL_MS: '250', TELEMETRY_HEARTBEATS_TOPIC: 'hb.test' }).settings;
    expect(settings.foldIntervalMs).toBe(250);
    expect(settings.topics.telemetry).toBe('hb.test');
    let error: unknown;
    try {
      loadServiceConfig(telemetryService, { ...base, TELEMETRY_FOLD_INTERVAL_MS: 'soon', TELEMETRY_LEDGER_EVENTS_TOPIC: 'bad topic' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.variable).sort()).toEqual(['TELEMETRY_FOLD_INTERVAL_MS', 'TELEMETRY_LEDGER_EVENTS_TOPIC']);
  });
});
