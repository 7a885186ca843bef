import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadServiceConfig, newTrafficKeyBytes } from '@datawell/config';
import { ledgerBridgeService } from './config';
import { onlyAs } from './ledger-bridge';

const base = {
  DATAWELL_POSTGRES_URL: 'postgres://u:p@db:5432/d',
  DATAWELL_REDIS_URL: 'redis://redis:6379',
  DATAWELL_KAFKA_BROKERS: 'kafka:9092',
};

describe('ledger-bridge configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lb-config-'));
  const keyFile = join(dir, 'traffic.key');
  writeFileSync(keyFile, newTrafficKeyBytes(), { mode: 0o600 });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  /** A member's bridge needs its domain's traffic key. */
  const member = { DATAWELL_TRAFFIC_KEY_FILE: keyFile };
  /** The issues the configuration reports for these variables (besides base and the traffic key), one line each. */
  const issues = (env: Record<string, string>): string[] => {
    try {
      loadServiceConfig(ledgerBridgeService, { ...base, ...member, ...env });
    } catch (error) {
      return (error as ConfigError).issues.map((i) => `${i.variable} ${i.problem}`);
    }
    throw new Error('expected a ConfigError');
  };

  it("signs only as the operator in the operator's mode, only as its member in a member's", () => {
    expect(onlyAs(loadServiceConfig(ledgerBridgeService, base).settings)).toEqual({ onlyAs: 'OperatorMSP' });
    expect(onlyAs(loadServiceConfig(ledgerBridgeService, { ...base, ...member, LEDGER_BRIDGE_MEMBER_MSP_ID: 'DspMSP' }).settings)).toEqual({ onlyAs: 'DspMSP' });
  });

  it('refuses to start with LEDGER_BRIDGE_CUSTODIAL_ORGANISATIONS, whatever its value: one line naming it and saying custody was removed', () => {
    for (const value of ['true', 'false']) {
      expect(() => loadServiceConfig(ledgerBridgeService, { ...base, LEDGER_BRIDGE_CUSTODIAL_ORGANISATIONS: value })).toThrow(
        /^invalid configuration for [a-z-]+: LEDGER_BRIDGE_CUSTODIAL_ORGANISATIONS: custody was removed \(issue #11\)[^\n]*$/,
      );
    }
    expect(issues({ LEDGER_BRIDGE_MEMBER_MSP_ID: 'DspMSP', LEDGER_BRIDGE_CUSTODIAL_ORGANISATIONS: 'true' })).toEqual([expect.stringMatching(/^LEDGER_BRIDGE_CUSTODIAL_ORGANISATIONS custody was removed/)]);
  });

  it('defaults to the marketplace channel, the v1 topics and no Fabric peer', () => {
    const { settings: ledger } = loadServiceConfig(ledgerBridgeService, base);
    expect(ledger).toEqual({
      eventsMspId: 'OperatorMSP',
      channels: [{ name: 'marketplace', chaincodes: ['marketplace'] }],
      topics: { events: 'datawell.ledger.events.v1', commands: 'datawell.ledger.commands.v1', receipts: 'datawell.ledger.receipts.v1' },
      commandsGroupId: 'datawell-ledger-bridge-commands',
    });
  });

  it('reads a peer, a wallet, channels with their chaincodes and topic overrides', () => {
    const { settings: ledger } = loadServiceConfig(ledgerBridgeService, {
      ...base,
      LEDGER_BRIDGE_PEER_ENDPOINT: 'localhost:7051',
      LEDGER_BRIDGE_PEER_HOST_ALIAS: 'peer0',
      LEDGER_BRIDGE_PEER_TLS_CA_FILE: '/tls/ca.pem',
      LEDGER_BRIDGE_WALLET_DIR: '/wallet',
      LEDGER_BRIDGE_CHANNELS: 'marketplace=marketplace+hello, dao-x-v1=dao',
      LEDGER_BRIDGE_EVENTS_TOPIC: 'it.events',
    });
    expect(ledger.fabric).toEqual({ endpoint: 'localhost:7051', hostAlias: 'peer0', tlsCaFile: '/tls/ca.pem' });
    expect(ledger.walletDir).toBe('/wallet');
    expect(ledger.channels).toEqual([
      { name: 'marketplace', chaincodes: ['marketplace', 'hello'] },
      { name: 'dao-x-v1', chaincodes: ['dao'] },
    ]);
    expect(ledger.topics.events).toBe('it.events');
  });

  it('names every bad variable: a peer without TLS CA, host alias or wallet, bad channels and topics', () => {
    try {
      loadServiceConfig(ledgerBridgeService, {
        ...base,
        LEDGER_BRIDGE_PEER_ENDPOINT: 'localhost:7051',
        LEDGER_BRIDGE_CHANNELS: 'Market=',
        LEDGER_BRIDGE_RECEIPTS_TOPIC: 'no spaces allowed',
      });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).issues.map((i) => i.variable).sort()).toEqual([
        'LEDGER_BRIDGE_CHANNELS',
        'LEDGER_BRIDGE_PEER_HOST_ALIAS',
        'LEDGER_BRIDGE_PEER_TLS_CA_FILE',
        'LEDGER_BRIDGE_RECEIPTS_TOPIC',
        'LEDGER_BRIDGE_WALLET_DIR',
      ]);
    }
  });

  it('keeps the bridge settings in `settings` only, not beside the common configuration', () => {
    const config = loadServiceConfig(ledgerBridgeService, base);
    expect(config.settings.channels).toEqual([{ name: 'marketplace', chaincodes: ['marketplace'] }]);
    expect(Object.keys(config)).not.toContain('ledger');
  });

  it("in a member's domain, acts as the member on the member's own topics", () => {
    const { settings: ledger, kafka } = loadServiceConfig(ledgerBridgeService, { ...base, ...member, LEDGER_BRIDGE_MEMBER_MSP_ID: 'LcDspMSP' });
    expect(kafka.trafficKey?.file).toBe(keyFile);
    expect(ledger).toEqual({
      member: { mspId: 'LcDspMSP' },
      eventsMspId: 'LcDspMSP',
      channels: [{ name: 'marketplace', chaincodes: ['marketplace'] }],
      topics: {
        events: 'datawell.member.LcDspMSP.ledger.events.v1',
        commands: 'datawell.member.LcDspMSP.ledger.commands.v1',
        receipts: 'datawell.member.LcDspMSP.ledger.receipts.v1',
      },
      commandsGroupId: 'datawell.member.LcDspMSP.ledger-bridge.commands',
      inbox: { topic: 'datawell.inbox.LcDspMSP.v1', groupId: 'datawell.member.LcDspMSP.ledger-bridge.inbox' },
      governance: { sweepSeconds: 10, subscriptionSweepSeconds: 30 },
    });
  });

  it("takes a member's governance settings (sweep interval, negotiation URL) only for a member, and refuses bad values", () => {
    const load = (env: Record<string, string>) => loadServiceConfig(ledgerBridgeService, { ...base, ...member, ...env }).settings;
    expect(load({ LEDGER_BRIDGE_MEMBER_MSP_ID: 'LcDspMSP', LEDGER_BRIDGE_PROPOSAL_SWEEP_SECONDS: '3', LEDGER_BRIDGE_SUBSCRIPTION_SWEEP_SECONDS: '5', LEDGER_BRIDGE_NEGOTIATION_URL: 'http://127.0.0.1:4101/' }).governance).toEqual({ sweepSeconds: 3, subscriptionSweepSeconds: 5, negotiationUrl: 'http://127.0.0.1:4101' });
    expect(issues({ LEDGER_BRIDGE_NEGOTIATION_URL: 'http://127.0.0.1:4101' })).toEqual(["LEDGER_BRIDGE_NEGOTIATION_URL is only for a member's bridge (LEDGER_BRIDGE_MEMBER_MSP_ID)"]);
    for (const bad of ['0', '-1', '1.5', 'ten', '86401']) expect(issues({ LEDGER_BRIDGE_MEMBER_MSP_ID: 'LcDspMSP', LEDGER_BRIDGE_PROPOSAL_SWEEP_SECONDS: bad })).toEqual([expect.stringMatching(/^LEDGER_BRIDGE_PROPOSAL_SWEEP_SECONDS /)]);
    for (const bad of ['0', '1.5', '86401']) expect(issues({ LEDGER_BRIDGE_MEMBER_MSP_ID: 'LcDspMSP', LEDGER_BRIDGE_SUBSCRIPTION_SWEEP_SECONDS: bad })).toEqual([expect.stringMatching(/^LEDGER_BRIDGE_SUBSCRIPTION_SWEEP_SECONDS /)]);
    expect(issues({ LEDGER_BRIDGE_SUBSCRIPTION_SWEEP_SECONDS: '5' })).toEqual(["LEDGER_BRIDGE_SUBSCRIPTION_SWEEP_SECONDS is only for a member's bridge (LEDGER_BRIDGE_MEMBER_MSP_ID)"]);
    expect(issues({ LEDGER_BRIDGE_MEMBER_MSP_ID: 'LcDspMSP', LEDGER_BRIDGE_NEGOTIATION_URL: 'ftp://x' })).toEqual([expect.stringMatching(/^LEDGER_BRIDGE_NEGOTIATION_URL /)]);
  });

  const memberAdmin = {
    LEDGER_BRIDGE_MEMBER_ADMIN_MSP_DIR: '/domain/fabric/users/admin/msp',
    LEDGER_BRIDGE_MEMBER_PEER_CONFIG_DIR: '/domain/fabric/nodes/peer0/config',
    LEDGER_BRIDGE_MEMBER_PEER_OPERATIONS_URL: 'http://127.0.0.1:27402',
    LEDGER_BRIDGE_ORDERER_ENDPOINT: 'localhost:27050',
    LEDGER_BRIDGE_ORDERER_TLS_CA_FILE: '/public/operator/orderer-tls-ca.pem',
    LEDGER_BRIDGE_FABRIC_BIN_DIR: '/stack/domains/bin',
    LEDGER_BRIDGE_MEMBER_WORK_DIR: '/domain/run/fabric-admin',
  };

  it("takes a member's own Fabric administration all together, and only for a member", () => {
    const { settings } = loadServiceConfig(ledgerBridgeService, { ...base, ...member, ...memberAdmin, LEDGER_BRIDGE_MEMBER_MSP_ID: 'LcDspMSP' });
    expect(settings.memberAdmin).toEqual({
      adminMspDir: '/domain/fabric/users/admin/msp',
      peerConfigDir: '/domain/fabric/nodes/peer0/config',
      peerOperationsUrl: 'http://127.0.0.1:27402',
      ordererEndpoint: 'localhost:27050',
      ordererTlsCaFile: '/public/operator/orderer-tls-ca.pem',
      fabricBinDir: '/stack/domains/bin',
      workDir: '/domain/run/fabric-admin',
    });
    const { LEDGER_BRIDGE_ORDERER_TLS_CA_FILE: _dropped, ...partial } = memberAdmin;
    expect(issues({ ...partial, LEDGER_BRIDGE_MEMBER_MSP_ID: 'LcDspMSP' })).toEqual([expect.stringMatching(/^LEDGER_BRIDGE_ORDERER_TLS_CA_FILE is required with LEDGER_BRIDGE_MEMBER_ADMIN_MSP_DIR/)]);
    expect(issues({ LEDGER_BRIDGE_ORDERER_ENDPOINT: 'localhost:27050' })).toEqual(['LEDGER_BRIDGE_ORDERER_ENDPOINT is only for a member\'s bridge (LEDGER_BRIDGE_MEMBER_MSP_ID)']);
  });

  it("takes a member's own chaincode server all together, with its Fabric administration, and only for a member", () => {
    const server = { LEDGER_BRIDGE_CHAINCODE_PORT: '27105', LEDGER_BRIDGE_CHAINCODE_DIR: '/domain/fabric/chaincode', LEDGER_BRIDGE_CHAINCODE_REPO_DIR: '/repo' };
    const { settings } = loadServiceConfig(ledgerBridgeService, { ...base, ...member, ...memberAdmin, ...server, LEDGER_BRIDGE_MEMBER_MSP_ID: 'LcDspMSP' });
    expect(settings.memberAdmin?.chaincodeServer).toEqual({ port: 27105, dir: '/domain/fabric/chaincode', repoDir: '/repo' });
    const { LEDGER_BRIDGE_CHAINCODE_DIR: _dir, ...partial } = server;
    expect(issues({ ...memberAdmin, ...partial, LEDGER_BRIDGE_MEMBER_MSP_ID: 'LcDspMSP' })).toEqual([expect.stringMatching(/^LEDGER_BRIDGE_CHAINCODE_DIR is required with LEDGER_BRIDGE_CHAINCODE_PORT/)]);
    expect(issues({ ...server, LEDGER_BRIDGE_MEMBER_MSP_ID: 'LcDspMSP' })).toEqual([expect.stringMatching(/^LEDGER_BRIDGE_CHAINCODE_PORT needs the member's own Fabric administration/)]);
    expect(issues({ ...memberAdmin, ...server, LEDGER_BRIDGE_CHAINCODE_PORT: '70000', LEDGER_BRIDGE_MEMBER_MSP_ID: 'LcDspMSP' })).toEqual([expect.stringMatching(/^LEDGER_BRIDGE_CHAINCODE_PORT must be a port/)]);
    expect(issues(server)).toEqual(Object.keys(server).map((v) => `${v} is only for a member's bridge (LEDGER_BRIDGE_MEMBER_MSP_ID)`));
  });

  it("refuses a member's bridge that would administer the network, listen as another or use others' topics", () => {
    try {
      loadServiceConfig(ledgerBridgeService, {
        ...base,
        ...member,
        LEDGER_BRIDGE_MEMBER_MSP_ID: 'LcDspMSP',
        LEDGER_BRIDGE_ADMIN_STACK_DIR: '/stack',
        LEDGER_BRIDGE_ADMIN_CACHE_DIR: '/cache',
        LEDGER_BRIDGE_ADMIN_REPO_DIR: '/repo',
        LEDGER_BRIDGE_EVENTS_MSP_ID: 'OperatorMSP',
        LEDGER_BRIDGE_COMMANDS_TOPIC: 'datawell.ledger.commands.v1',
        LEDGER_BRIDGE_EVENTS_TOPIC: 'datawell.member.LcDspMSP.it.events',
      });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).issues.map((i) => i.variable).sort()).toEqual([
        'LEDGER_BRIDGE_ADMIN_CACHE_DIR',
        'LEDGER_BRIDGE_ADMIN_REPO_DIR',
        'LEDGER_BRIDGE_ADMIN_STACK_DIR',
        'LEDGER_BRIDGE_COMMANDS_TOPIC',
        'LEDGER_BRIDGE_EVENTS_MSP_ID',
      ]);
    }
  });

  it("refuses a member's bridge without its domain's traffic key, or with a key file that is not one, naming the variable", () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadServiceConfig(ledgerBridgeService, { ...base, LEDGER_BRIDGE_MEMBER_MSP_ID: 'LcDspMSP', ...env });
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as ConfigError).issues.map((i) => `${i.variable} ${i.problem}`);
      }
      throw new Error('expected a ConfigError');
    };
    expect(problems({})).toEqual([expect.stringMatching(/^DATAWELL_TRAFFIC_KEY_FILE is required when LEDGER_BRIDGE_MEMBER_MSP_ID is set/)]);
    const short = join(dir, 'short.key');
    writeFileSync(short, newTrafficKeyBytes().subarray(0, 16), { mode: 0o600 });
    expect(problems({ DATAWELL_TRAFFIC_KEY_FILE: short })).toEqual([expect.stringMatching(/^DATAWELL_TRAFFIC_KEY_FILE .*holds 16 bytes; a traffic key is 32 random bytes/)]);
    expect(problems({ DATAWELL_TRAFFIC_KEY_FILE: join(dir, 'missing.key') })).toEqual([expect.stringMatching(/^DATAWELL_TRAFFIC_KEY_FILE cannot read .*missing\.key \(ENOENT\)/)]);
    const open = join(dir, 'open.key');
    writeFileSync(open, newTrafficKeyBytes(), { mode: 0o644 });
    expect(problems({ DATAWELL_TRAFFIC_KEY_FILE: open })).toEqual([expect.stringMatching(/may be read by other users \(mode 644\)/)]);
  });

  it('refuses a member MSP id that is not one', () => {
    expect(() => loadServiceConfig(ledgerBridgeService, { ...base, LEDGER_BRIDGE_MEMBER_MSP_ID: 'not an msp' })).toThrow(ConfigError);
  });

  it("takes a member's role (a DSP's bridge relays allocations down), only DSP or VSP, only for a member", () => {
    expect(loadServiceConfig(ledgerBridgeService, { ...base, ...member, LEDGER_BRIDGE_MEMBER_MSP_ID: 'LcVspMSP', LEDGER_BRIDGE_MEMBER_ROLE: 'VSP' }).settings.member).toEqual({ mspId: 'LcVspMSP', role: 'VSP' });
    expect(loadServiceConfig(ledgerBridgeService, { ...base, ...member, LEDGER_BRIDGE_MEMBER_MSP_ID: 'LcVspMSP' }).settings.member).toEqual({ mspId: 'LcVspMSP' });
    expect(() => loadServiceConfig(ledgerBridgeService, { ...base, ...member, LEDGER_BRIDGE_MEMBER_MSP_ID: 'LcVspMSP', LEDGER_BRIDGE_MEMBER_ROLE: 'OPERATOR' })).toThrow(/LEDGER_BRIDGE_MEMBER_ROLE.*must be DSP or VSP/);
    expect(() => loadServiceConfig(ledgerBridgeService, { ...base, LEDGER_BRIDGE_MEMBER_ROLE: 'DSP' })).toThrow(/LEDGER_BRIDGE_MEMBER_ROLE: is only for a member's bridge/);
  });
});
