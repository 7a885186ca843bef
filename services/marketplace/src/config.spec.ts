import { ConfigError, loadServiceConfig } from '@datawell/config';
import { marketplaceService } from './config';

const base = { DATAWELL_POSTGRES_URL: 'postgres://u:p@localhost:5432/d', DATAWELL_KAFKA_BROKERS: 'localhost:9092' };

const issues = (env: Record<string, string>) => {
  try {
    loadServiceConfig(marketplaceService, env);
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map((i) => `${i.variable}: ${i.problem}`);
    throw e;
  }
  return [];
};

describe('marketplace settings', () => {
  it('default to the shared topics and automatic admission (the bridge admits every registration by itself)', () => {
    expect(loadServiceConfig(marketplaceService, base).settings).toEqual({
      topics: {
        ledgerEvents: 'datawell.ledger.events.v1',
        ledgerCommands: 'datawell.ledger.commands.v1',
        ledgerReceipts: 'datawell.ledger.receipts.v1',
        networkCommands: 'datawell.network.commands.v1',
        networkEvents: 'datawell.network.events.v1',
      },
      groupId: 'datawell-marketplace',
      admission: 'automatic',
    });
    expect(loadServiceConfig(marketplaceService, { ...base, MARKETPLACE_ADMISSION: '  ' }).settings.admission).toBe('automatic');
  });

  it('refuse to start with MARKETPLACE_CUSTODIAL_ORGANISATIONS, whatever its value: one line naming it and saying custody was removed', () => {
    for (const value of ['true', 'false']) {
      expect(() => loadServiceConfig(marketplaceService, { ...base, MARKETPLACE_CUSTODIAL_ORGANISATIONS: value })).toThrow(/^invalid configuration for marketplace: MARKETPLACE_CUSTODIAL_ORGANISATIONS: custody was removed \(issue #11\)[^\n]*$/);
    }
  });

  it('read MARKETPLACE_ADMISSION manual or automatic, and refuse anything else naming the variable and the choices', () => {
    expect(loadServiceConfig(marketplaceService, { ...base, MARKETPLACE_ADMISSION: 'manual' }).settings.admission).toBe('manual');
    expect(loadServiceConfig(marketplaceService, { ...base, MARKETPLACE_ADMISSION: ' automatic ' }).settings.admission).toBe('automatic');
    expect(issues({ ...base, MARKETPLACE_ADMISSION: 'Manual' })).toEqual(['MARKETPLACE_ADMISSION: must be one of automatic, manual (got "Manual")']);
    expect(issues({ ...base, MARKETPLACE_ADMISSION: 'auto', MARKETPLACE_NETWORK_COMMANDS_TOPIC: 'bad topic' }).map((i) => i.split(':')[0]).sort()).toEqual(['MARKETPLACE_ADMISSION', 'MARKETPLACE_NETWORK_COMMANDS_TOPIC']);
  });
});
