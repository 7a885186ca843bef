import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '../settings';
import { fabricDirs, fabricPorts, loadRegistry, MAX_ORGS, ORDERER_ORG, OPERATOR_ORG, orgUser, saveRegistry, slugFor, type OrgRecord } from './layout';

describe('the Fabric port plan', () => {
  it('gives every process of 100 organisations, 3 orderers and 200 chaincodes its own port, clear of PostgreSQL, Redis and Kafka', () => {
    const settings = loadSettings('/repo', {});
    const plan = fabricPorts(settings);
    const used: number[] = [settings.ports.postgres, settings.ports.redis, settings.ports.kafka, settings.ports.kafkaController];
    for (let i = 0; i < 3; i++) used.push(...Object.values(plan.orderer(i)));
    for (let k = 0; k < MAX_ORGS; k++) {
      const org: OrgRecord = { mspId: `O${k}MSP`, slug: `o${k}`, kind: 'peer', index: k };
      used.push(...Object.values(plan.ca(org)), ...Object.values(plan.peer(org)));
    }
    for (let n = 0; n < 200; n++) used.push(plan.chaincodeServer(n));
    expect(new Set(used).size).toBe(used.length);
    expect(Math.max(...used)).toBeLessThan(32768);
  });

  it('places the operator and the ordering org at fixed indexes', () => {
    const plan = fabricPorts(loadSettings('/repo', { DATAWELL_FABRIC_PORT_BASE: '30000' }));
    expect(plan.ca(ORDERER_ORG).listen).toBe(30100);
    expect(plan.peer(OPERATOR_ORG).listen).toBe(30403);
    expect(plan.orderer(0)).toEqual({ listen: 30050, admin: 30051, operations: 30052 });
  });
});

describe('slugFor', () => {
  it('derives a folder name from an MSP id', () => {
    expect(slugFor('AcmeAnalyticsMSP')).toBe('acmeanalytics');
    expect(slugFor('Dsp1MSP')).toBe('dsp1');
  });

  it.each(['acme', 'Acme-MSP', 'MSP', '1AcmeMSP', 'Acme MSP', ''])('refuses %j', (id) => {
    expect(() => slugFor(id)).toThrow(/must be letters and digits ending in "MSP"/);
  });
});

describe("a trust domain's organisation", () => {
  it("lives in its domain's folder, with its pid files and logs, and runs as the domain's user", () => {
    const settings = loadSettings('/repo', { DATAWELL_STACK_DIR: '/srv/stack' });
    const dirs = fabricDirs(settings);
    const member: OrgRecord = { mspId: 'AcmeMSP', slug: 'acme', kind: 'peer', index: 2, domain: 'AcmeMSP' };
    expect(dirs.caHome(member)).toBe('/srv/stack/domains/AcmeMSP/fabric/ca');
    expect(dirs.adminMsp(member)).toBe('/srv/stack/domains/AcmeMSP/fabric/users/admin/msp');
    expect([dirs.runOf(member), dirs.logsOf(member)]).toEqual(['/srv/stack/domains/AcmeMSP/run', '/srv/stack/domains/AcmeMSP/logs']);
    expect(orgUser(member)).toBe('dw-acmemsp');
    // The organisations the tooling holds itself keep their places.
    expect(dirs.caHome(OPERATOR_ORG)).toBe('/srv/stack/fabric/organizations/operator/ca');
    expect([dirs.runOf(OPERATOR_ORG), dirs.logsOf(OPERATOR_ORG)]).toEqual(['/srv/stack/run', '/srv/stack/logs']);
    expect(orgUser(OPERATOR_ORG)).toBeUndefined();
  });
});

describe('the Fabric registry file', () => {
  it('is replaced whole (renamed into place, never rewritten where a reader may be reading), mode 0600, nothing left aside', () => {
    const dirs = fabricDirs(loadSettings('/repo', { DATAWELL_STACK_DIR: mkdtempSync(join(tmpdir(), 'registry-')) }));
    saveRegistry(dirs, { ...loadRegistry(dirs), orgs: [{ mspId: 'AMSP', slug: 'a', kind: 'peer', index: 1 }] });
    const first = statSync(dirs.registry).ino;
    saveRegistry(dirs, { ...loadRegistry(dirs), orgs: [...loadRegistry(dirs).orgs, { mspId: 'BMSP', slug: 'b', kind: 'peer', index: 2 }] });
    // A new file: a reader holding the old one read it whole.
    expect(statSync(dirs.registry).ino).not.toBe(first);
    expect(statSync(dirs.registry).mode & 0o777).toBe(0o600);
    expect(loadRegistry(dirs).orgs.map((o) => o.mspId)).toEqual(['AMSP', 'BMSP']);
    expect(readdirSync(dirs.root).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
