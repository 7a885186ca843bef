import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadServiceConfig, newTrafficKeyBytes } from '@datawell/config';
import { provisionerService } from './config';

/** A domain's traffic key file, as the stack tooling writes it. */
const keyFile = join(mkdtempSync(join(tmpdir(), 'prov-config-')), 'traffic.key');
writeFileSync(keyFile, newTrafficKeyBytes(), { mode: 0o600 });

const base = { DATAWELL_POSTGRES_URL: 'postgres://u:p@localhost:5432/d', DATAWELL_REDIS_URL: 'redis://localhost:6379', DATAWELL_KAFKA_BROKERS: 'localhost:9092' };

function problems(env: Record<string, string>): string[] {
  try {
    loadServiceConfig(provisionerService, { ...base, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.message.split('\n').filter((line) => /PROVISIONER_/.test(line));
    throw error;
  }
  return [];
}

describe('provisioner settings: member mode', () => {
  it('is off by default (the operator-mode provisioner) and on with a member MSP id', () => {
    expect(loadServiceConfig(provisionerService, base).settings.member).toBeUndefined();
    expect(loadServiceConfig(provisionerService, { ...base, PROVISIONER_MEMBER_MSP_ID: 'AcmeMSP', DATAWELL_TRAFFIC_KEY_FILE: keyFile }).settings.member).toEqual({ mspId: 'AcmeMSP' });
  });

  it('refuses a bad MSP id, and the operator\'s mesh CA beside a member, naming the variables', () => {
    expect(problems({ PROVISIONER_MEMBER_MSP_ID: 'acme org' }).join(' ')).toMatch(/PROVISIONER_MEMBER_MSP_ID/);
    const both = problems({ PROVISIONER_MEMBER_MSP_ID: 'AcmeMSP', PROVISIONER_MPC_CA_CERT_FILE: '/ca.pem', PROVISIONER_MPC_CA_KEY_FILE: '/ca.key' }).join(' ');
    expect(both).toMatch(/PROVISIONER_MPC_CA_CERT_FILE.*member mode/);
    expect(both).toMatch(/PROVISIONER_MPC_CA_KEY_FILE/);
    expect(problems({ PROVISIONER_MPC_CA_CERT_FILE: '/ca.pem', PROVISIONER_MPC_CA_KEY_FILE: '/ca.key' })).toEqual([]);
  });

  it("defaults to the member's own topics and group in member mode, and refuses others' topics and a missing traffic key", () => {
    const member = loadServiceConfig(provisionerService, { ...base, PROVISIONER_MEMBER_MSP_ID: 'AcmeMSP', DATAWELL_TRAFFIC_KEY_FILE: keyFile }).settings;
    expect(member.topics).toEqual({ ledgerEvents: 'datawell.member.AcmeMSP.ledger.events.v1', ledgerCommands: 'datawell.member.AcmeMSP.ledger.commands.v1', telemetry: 'datawell.member.AcmeMSP.telemetry.heartbeats.v1' });
    expect(member.eventsGroupId).toBe('datawell.member.AcmeMSP.provisioner.events');
    expect(loadServiceConfig(provisionerService, base).settings.topics).toEqual({ ledgerEvents: 'datawell.ledger.events.v1', ledgerCommands: 'datawell.ledger.commands.v1', telemetry: 'datawell.infra.telemetry.v1' });
    const wrong = problems({ PROVISIONER_MEMBER_MSP_ID: 'AcmeMSP', PROVISIONER_LEDGER_EVENTS_TOPIC: 'datawell.ledger.events.v1', PROVISIONER_EVENTS_GROUP_ID: 'datawell-provisioner' }).join(' ');
    expect(wrong).toMatch(/PROVISIONER_LEDGER_EVENTS_TOPIC.*must start with "datawell.member.AcmeMSP."/);
    expect(wrong).toMatch(/PROVISIONER_EVENTS_GROUP_ID/);
    expect(problems({ PROVISIONER_MEMBER_MSP_ID: 'OperatorMSP' }).join(' ')).toMatch(/must be a member's MSP id/);
    expect(problems({ PROVISIONER_MEMBER_MSP_ID: 'AcmeMSP' }).join(' ')).toMatch(/DATAWELL_TRAFFIC_KEY_FILE: is required when PROVISIONER_MEMBER_MSP_ID is set/);
  });
});

describe('provisioner settings: the MPC nodes\' OT extension', () => {
  it('is unset by default (the nodes\' own default, kos) and kept in canonical form when given', () => {
    expect(loadServiceConfig(provisionerService, base).settings.mpcOtExtension).toBeUndefined();
    expect(loadServiceConfig(provisionerService, { ...base, PROVISIONER_MPC_OT_EXTENSION: 'kos' }).settings.mpcOtExtension).toBe('kos');
    expect(loadServiceConfig(provisionerService, { ...base, PROVISIONER_MPC_OT_EXTENSION: 'SoftSpoken' }).settings.mpcOtExtension).toBe('softspoken:2');
    expect(loadServiceConfig(provisionerService, { ...base, PROVISIONER_MPC_OT_EXTENSION: 'softspoken:8' }).settings.mpcOtExtension).toBe('softspoken:8');
  });

  it('refuses what the node would refuse, and the setting in member mode (a member provisions no mesh), naming the variable', () => {
    for (const bad of ['ot', 'softspoken:0', 'softspoken:11', 'softspoken:', 'kos:2']) {
      expect(problems({ PROVISIONER_MPC_OT_EXTENSION: bad }).join(' ')).toMatch(/PROVISIONER_MPC_OT_EXTENSION.*must be 'kos', 'softspoken' or 'softspoken:<k>'/);
    }
    expect(problems({ PROVISIONER_MEMBER_MSP_ID: 'AcmeMSP', DATAWELL_TRAFFIC_KEY_FILE: keyFile, PROVISIONER_MPC_OT_EXTENSION: 'softspoken' }).join(' ')).toMatch(/PROVISIONER_MPC_OT_EXTENSION.*member mode/);
  });
});

describe("provisioner settings: a member's own MPC nodes (identities from its own CA)", () => {
  const member = { PROVISIONER_MEMBER_MSP_ID: 'AcmeMSP', DATAWELL_TRAFFIC_KEY_FILE: keyFile };
  const mesh = {
    PROVISIONER_MPC_ENROLL_URL: 'https://127.0.0.1:7054',
    PROVISIONER_MPC_ENROLL_CA_NAME: 'ca-acme',
    PROVISIONER_MPC_ENROLL_TLS_CA_FILE: '/domains/public/AcmeMSP/ca-tls-ca.pem',
    PROVISIONER_MPC_ENROLL_SECRET_FILE: '/domains/AcmeMSP/secrets/mpc-node-enrollment',
    PROVISIONER_MPC_COORDINATOR_CA_FILE: '/domains/public/AcmeMSP/mpc-coordinator-ca.pem',
  };

  it('is absent without its variables, and read together in member mode', () => {
    expect(loadServiceConfig(provisionerService, { ...base, ...member }).settings.memberMesh).toBeUndefined();
    expect(loadServiceConfig(provisionerService, { ...base, ...member, ...mesh }).settings.memberMesh).toEqual({
      enroll: { url: 'https://127.0.0.1:7054', caName: 'ca-acme', tlsCaFile: '/domains/public/AcmeMSP/ca-tls-ca.pem', secretFile: '/domains/AcmeMSP/secrets/mpc-node-enrollment' },
      coordinatorCaFile: '/domains/public/AcmeMSP/mpc-coordinator-ca.pem',
    });
  });

  it('wants all of them or none, naming each missing one', () => {
    const { PROVISIONER_MPC_ENROLL_SECRET_FILE: _s, PROVISIONER_MPC_COORDINATOR_CA_FILE: _c, ...partial } = mesh;
    const found = problems({ ...member, ...partial }).join('; ').split('; ').filter((line) => /is required with/.test(line));
    expect(found).toHaveLength(2);
    expect(found.join(' ')).toMatch(/PROVISIONER_MPC_ENROLL_SECRET_FILE.*is required with PROVISIONER_MPC_ENROLL_URL/);
    expect(found.join(' ')).toMatch(/PROVISIONER_MPC_COORDINATOR_CA_FILE.*is required with PROVISIONER_MPC_ENROLL_URL/);
  });

  it('refuses a URL other than https://host:port, relative paths and a bad CA name', () => {
    for (const url of ['http://127.0.0.1:7054', 'https://u:p@127.0.0.1:7054', 'https://127.0.0.1:7054/api', '127.0.0.1:7054']) {
      expect(problems({ ...member, ...mesh, PROVISIONER_MPC_ENROLL_URL: url }).join(' ')).toMatch(/PROVISIONER_MPC_ENROLL_URL.*must be the https URL of a Fabric CA/);
    }
    expect(problems({ ...member, ...mesh, PROVISIONER_MPC_ENROLL_SECRET_FILE: 'secrets/mpc' }).join(' ')).toMatch(/PROVISIONER_MPC_ENROLL_SECRET_FILE.*absolute path/);
    expect(problems({ ...member, ...mesh, PROVISIONER_MPC_ENROLL_TLS_CA_FILE: 'ca.pem' }).join(' ')).toMatch(/PROVISIONER_MPC_ENROLL_TLS_CA_FILE.*absolute path/);
    expect(problems({ ...member, ...mesh, PROVISIONER_MPC_COORDINATOR_CA_FILE: 'ca.pem' }).join(' ')).toMatch(/PROVISIONER_MPC_COORDINATOR_CA_FILE.*absolute path/);
    expect(problems({ ...member, ...mesh, PROVISIONER_MPC_ENROLL_CA_NAME: 'ca acme' }).join(' ')).toMatch(/PROVISIONER_MPC_ENROLL_CA_NAME/);
    expect(problems({ ...member, ...mesh })).toEqual([]);
  });

  it("is refused outside member mode (the operator's nodes take the operator's mesh CA)", () => {
    const found = problems(mesh).join('; ').split('; ');
    expect(found).toHaveLength(5);
    for (const line of found) expect(line).toMatch(/may be set only with PROVISIONER_MEMBER_MSP_ID \(member mode\)/);
    expect(problems({ PROVISIONER_MPC_ENROLL_URL: 'https://127.0.0.1:7054' }).join(' ')).toMatch(/PROVISIONER_MPC_ENROLL_URL.*member mode/);
  });

  it("hands its nodes the member's own bridge, where they read their ledger view: an http(s) base URL, with the mesh only", () => {
    expect(loadServiceConfig(provisionerService, { ...base, ...member, ...mesh, PROVISIONER_MPC_LEDGER_URL: 'http://127.0.0.1:7300' }).settings.memberMesh?.ledgerUrl).toBe('http://127.0.0.1:7300');
    for (const url of ['ftp://127.0.0.1:7300', 'http://u:p@127.0.0.1:7300', 'http://127.0.0.1:7300/daos', 'bridge']) {
      expect(problems({ ...member, ...mesh, PROVISIONER_MPC_LEDGER_URL: url }).join(' ')).toMatch(/PROVISIONER_MPC_LEDGER_URL.*must be an http\(s\) URL/);
    }
    expect(problems({ ...member, PROVISIONER_MPC_LEDGER_URL: 'http://127.0.0.1:7300' }).join(' ')).toMatch(/PROVISIONER_MPC_LEDGER_URL.*needs PROVISIONER_MPC_ENROLL_URL/);
  });

  it('hands its nodes the coordinator where they register themselves: an http(s) base URL, with the mesh only', () => {
    expect(loadServiceConfig(provisionerService, { ...base, ...member, ...mesh, PROVISIONER_MPC_COORDINATOR_URL: 'http://127.0.0.1:4105' }).settings.memberMesh?.coordinatorUrl).toBe('http://127.0.0.1:4105');
    expect(loadServiceConfig(provisionerService, { ...base, ...member, ...mesh }).settings.memberMesh?.coordinatorUrl).toBeUndefined();
    for (const url of ['ftp://127.0.0.1:4105', 'http://u:p@127.0.0.1:4105', 'http://127.0.0.1:4105/computations']) {
      expect(problems({ ...member, ...mesh, PROVISIONER_MPC_COORDINATOR_URL: url }).join(' ')).toMatch(/PROVISIONER_MPC_COORDINATOR_URL.*must be an http\(s\) URL/);
    }
    const alone = problems({ ...member, PROVISIONER_MPC_COORDINATOR_URL: 'http://127.0.0.1:4105', PROVISIONER_MPC_LEDGER_URL: 'http://127.0.0.1:7300' }).join(' ');
    expect(alone).toMatch(/PROVISIONER_MPC_COORDINATOR_URL: is where a member's own MPC nodes register themselves and needs PROVISIONER_MPC_ENROLL_URL/);
    expect(alone).toMatch(/PROVISIONER_MPC_LEDGER_URL: is where a member's own MPC nodes read their ledger and needs PROVISIONER_MPC_ENROLL_URL/);
  });

  it("lets a member's own mesh take the mesh's OT extension, still refused in member mode without it", () => {
    expect(loadServiceConfig(provisionerService, { ...base, ...member, ...mesh, PROVISIONER_MPC_OT_EXTENSION: 'softspoken:4' }).settings.mpcOtExtension).toBe('softspoken:4');
    expect(problems({ ...member, PROVISIONER_MPC_OT_EXTENSION: 'kos' }).join(' ')).toMatch(/PROVISIONER_MPC_OT_EXTENSION.*member mode/);
  });
});
