import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadServiceConfig, newTrafficKeyBytes } from '@datawell/config';
import { telemetryService } from './config';

const base = { DATAWELL_POSTGRES_URL: 'postgres://u:p@localhost:5432/d', DATAWELL_REDIS_URL: 'redis://localhost:6379', DATAWELL_KAFKA_BROKERS: 'localhost:9092' };

describe('telemetry settings', () => {
  it('default to a 2 s fold and the shared topics', () => {
    expect(loadServiceConfig(telemetryService, base).settings).toEqual({
      foldIntervalMs: 2000,
      pendingHeartbeatTtlMs: 60_000,
      registrationGraceSeconds: 86_400,
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
    const settings = loadServiceConfig(telemetryService, { ...base, TELEMETRY_FOLD_INTERVAL_MS: '250', TELEMETRY_HEARTBEATS_TOPIC: 'hb.test', TELEMETRY_REGISTRATION_GRACE_SECONDS: '0' }).settings;
    expect(settings.foldIntervalMs).toBe(250);
    expect(settings.registrationGraceSeconds).toBe(0);
    expect(settings.topics.telemetry).toBe('hb.test');
    let error: unknown;
    try {
      loadServiceConfig(telemetryService, { ...base, TELEMETRY_FOLD_INTERVAL_MS: 'soon', TELEMETRY_LEDGER_EVENTS_TOPIC: 'bad topic', TELEMETRY_REGISTRATION_GRACE_SECONDS: '-1' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.variable).sort()).toEqual(['TELEMETRY_FOLD_INTERVAL_MS', 'TELEMETRY_LEDGER_EVENTS_TOPIC', 'TELEMETRY_REGISTRATION_GRACE_SECONDS']);
  });

  describe('member mode', () => {
    const member = { ...base, TELEMETRY_MEMBER_MSP_ID: 'Vsp1MSP', DATAWELL_TRAFFIC_KEY_FILE: '/nonexistent/traffic.key' };
    const issues = (env: Record<string, string>) => {
      try {
        loadServiceConfig(telemetryService, env);
      } catch (e) {
        if (e instanceof ConfigError) return e.issues.map((i) => i.variable).sort();
        throw e;
      }
      return [];
    };

    it("defaults to the member's own topics and consumer groups, and needs the domain's traffic key", () => {
      const dir = mkdtempSync(join(tmpdir(), 'telemetry-config-'));
      const keyFile = join(dir, 'traffic.key');
      writeFileSync(keyFile, newTrafficKeyBytes(), { mode: 0o600 });
      try {
        const settings = loadServiceConfig(telemetryService, { ...member, DATAWELL_TRAFFIC_KEY_FILE: keyFile }).settings;
        expect(settings).toMatchObject({
          member: { mspId: 'Vsp1MSP' },
          topics: {
            ledgerEvents: 'datawell.member.Vsp1MSP.ledger.events.v1',
            ledgerCommands: 'datawell.member.Vsp1MSP.ledger.commands.v1',
            ledgerReceipts: 'datawell.member.Vsp1MSP.ledger.receipts.v1',
            telemetry: 'datawell.member.Vsp1MSP.telemetry.heartbeats.v1',
          },
          groupIdPrefix: 'datawell.member.Vsp1MSP.telemetry',
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      const { DATAWELL_TRAFFIC_KEY_FILE: _file, ...withoutKey } = member;
      expect(issues(withoutKey)).toEqual(['DATAWELL_TRAFFIC_KEY_FILE']);
      expect(loadServiceConfig(telemetryService, base).settings.member).toBeUndefined();
    });

    it('refuses shared topics, groups outside its prefix, the operator and a bad MSP id', () => {
      const { DATAWELL_TRAFFIC_KEY_FILE: _file, ...withoutKey } = member;
      const problems = issues({
        ...withoutKey,
        TELEMETRY_LEDGER_COMMANDS_TOPIC: 'datawell.ledger.commands.v1',
        TELEMETRY_HEARTBEATS_TOPIC: 'datawell.member.Vsp2MSP.telemetry.heartbeats.v1',
        TELEMETRY_GROUP_ID_PREFIX: 'datawell-telemetry',
      });
      expect(problems).toEqual(['DATAWELL_TRAFFIC_KEY_FILE', 'TELEMETRY_GROUP_ID_PREFIX', 'TELEMETRY_HEARTBEATS_TOPIC', 'TELEMETRY_LEDGER_COMMANDS_TOPIC']);
      expect(issues({ ...base, TELEMETRY_MEMBER_MSP_ID: 'not an msp' })).toEqual(['TELEMETRY_MEMBER_MSP_ID']);
      expect(issues({ ...withoutKey, TELEMETRY_MEMBER_MSP_ID: 'OperatorMSP' })).toContain('TELEMETRY_MEMBER_MSP_ID');
    });
  });
});
