import { loadSettings } from '../settings';
import { domainPaths, domainPorts, MAX_DOMAINS, memberBridgeGrpcPort, memberConsolePort, memberServicePorts, newMemberDomain, operatorDomain, osUserFor, portClash, validateMember, type DomainRecord } from './domain';

const settings = loadSettings('/repo', { DATAWELL_STACK_DIR: '/srv/stack' });

describe('trust domain names and users', () => {
  it("names the operator's domain and a member's after the MSP id, with an OS user per domain", () => {
    expect(operatorDomain(settings)).toMatchObject({ name: 'operator', role: 'operator', mspId: 'OperatorMSP', osUser: 'dw-operator', index: 0, kafkaPrincipal: 'operator' });
    expect(osUserFor('AcmeAnalyticsMSP')).toBe('dw-acmeanalyticsmsp');
    const acme = newMemberDomain(settings, [operatorDomain(settings)], 'AcmeMSP', 'DSP');
    expect(acme).toMatchObject({ name: 'AcmeMSP', role: 'DSP', mspId: 'AcmeMSP', osUser: 'dw-acmemsp', index: 1, kafkaPrincipal: 'member-AcmeMSP' });
  });

  it.each([
    ['acme', 'DSP', /must be letters and digits ending in "MSP"/],
    ['Acme-MSP', 'DSP', /must be letters and digits ending in "MSP"/],
    ['OperatorMSP', 'DSP', /the stack's own organisation/],
    ['OrdererMSP', 'VSP', /the stack's own organisation/],
    ['A'.repeat(27) + 'MSP', 'DSP', /too long for a domain: at most 29 characters/],
    ['AcmeMSP', 'dsp', /role must be DSP or VSP, got "dsp"/],
    ['AcmeMSP', 'operator', /role must be DSP or VSP/],
  ])('refuses %j as %j', (mspId, role, message) => {
    expect(() => validateMember(mspId, role)).toThrow(message);
  });

  it('accepts the longest MSP id whose user name fits useradd (32 characters)', () => {
    const id = 'A'.repeat(26) + 'MSP';
    expect(validateMember(id, 'VSP')).toBe('VSP');
    expect(osUserFor(id)).toHaveLength(32);
  });
});

describe('the domain port plan', () => {
  it("keeps the stack's own ports for the operator and gives member k the stack's ports plus k", () => {
    expect(operatorDomain(settings).ports).toEqual({ postgres: 25432, redis: 26379 });
    expect(domainPorts(settings, 3)).toEqual({ postgres: 25435, redis: 26382 });
    expect(() => domainPorts(settings, MAX_DOMAINS)).toThrow(/room for 100 domains/);
  });

  it('allocates the next free slot, deterministically, from the recorded domains', () => {
    const op = operatorDomain(settings);
    const a = newMemberDomain(settings, [op], 'AMSP', 'DSP');
    const b = newMemberDomain(settings, [op, a], 'BMSP', 'VSP');
    expect([a.index, b.index]).toEqual([1, 2]);
    expect(newMemberDomain(settings, [op, a], 'BMSP', 'VSP')).toEqual(b);
    // A gap (a removed record) is not reused: ports stay with the domain that had them.
    expect(newMemberDomain(settings, [op, b], 'CMSP', 'VSP').index).toBe(3);
  });

  it('has no clash among 100 domains with the default settings', () => {
    const all: DomainRecord[] = [operatorDomain(settings)];
    for (let k = 1; k < MAX_DOMAINS; k++) all.push(newMemberDomain(settings, all, `M${k}MSP`, 'VSP'));
    expect(portClash(settings, all)).toBeUndefined();
  });

  it("refuses a domain whose port is another's or Kafka's, or falls in the Fabric range", () => {
    const tight = loadSettings('/repo', { DATAWELL_POSTGRES_PORT: '24432', DATAWELL_REDIS_PORT: '24430', DATAWELL_KAFKA_PORT: '24092' });
    const op = operatorDomain(tight);
    const first = newMemberDomain(tight, [op], 'AMSP', 'DSP');
    expect(first.ports).toEqual({ postgres: 24433, redis: 24431 });
    // redis of domain 2 would be 24432: the operator's PostgreSQL.
    const second: DomainRecord = { ...first, name: 'BMSP', mspId: 'BMSP', index: 2, ports: domainPorts(tight, 2) };
    expect(portClash(tight, [op, first])).toBeUndefined();
    expect(portClash(tight, [op, first, second])).toMatch(/port 24432 of domain BMSP \(redis\) is already domain operator \(postgres\)'s/);
    expect(() => newMemberDomain(tight, [op, first], 'BMSP', 'DSP')).toThrow(/port 24432/);
    const nearKafka = loadSettings('/repo', { DATAWELL_POSTGRES_PORT: '24091', DATAWELL_KAFKA_PORT: '24092' });
    expect(() => newMemberDomain(nearKafka, [operatorDomain(nearKafka)], 'AMSP', 'DSP')).toThrow(/port 24092 of domain AMSP \(postgres\) is already Kafka's/);
    const nearFabric = loadSettings('/repo', { DATAWELL_POSTGRES_PORT: '26999', DATAWELL_FABRIC_PORT_BASE: '27000' });
    expect(() => newMemberDomain(nearFabric, [operatorDomain(nearFabric)], 'AMSP', 'DSP')).toThrow(/port 27000 \(postgres\) of domain AMSP falls in the Fabric range/);
  });
});

describe("member domains' consoles", () => {
  it('listen above the member services of every slot, one port per domain, and clash checks include them', () => {
    const base = settings.ports.fabricBase;
    expect(memberConsolePort(settings, 1)).toBe(base + 1401);
    // Above the last slot's member services and gRPC port.
    expect(memberConsolePort(settings, 0)).toBeGreaterThan(memberBridgeGrpcPort(settings, MAX_DOMAINS - 1));
    const onConsole = loadSettings('/repo', { DATAWELL_POSTGRES_PORT: '28401', DATAWELL_REDIS_PORT: '26379', DATAWELL_FABRIC_PORT_BASE: '27000' });
    expect(() => newMemberDomain(onConsole, [operatorDomain(onConsole)], 'AMSP', 'DSP')).toThrow(/port 28401 of domain AMSP \(console\) is already domain operator \(postgres\)'s/);
  });
});

describe("member services' ports", () => {
  it('sit above the Fabric plan, four per domain slot, and clash checks include them', () => {
    const base = settings.ports.fabricBase;
    expect(memberServicePorts(settings, 1)).toEqual({ 'ledger-bridge': base + 1004, telemetry: base + 1005, provisioner: base + 1006 });
    expect(memberServicePorts(settings, 2)['ledger-bridge'] - memberServicePorts(settings, 1)['ledger-bridge']).toBe(4);
    const onService = loadSettings('/repo', { DATAWELL_POSTGRES_PORT: '28004', DATAWELL_REDIS_PORT: '26379', DATAWELL_FABRIC_PORT_BASE: '27000' });
    expect(() => newMemberDomain(onService, [operatorDomain(onService)], 'AMSP', 'DSP')).toThrow(/port 28004 of domain AMSP \(ledger-bridge\) is already domain operator \(postgres\)'s/);
  });

  it("give the ledger bridge's gRPC the slot's fourth port, in the clash check too", () => {
    const base = settings.ports.fabricBase;
    expect([1, 2].map((k) => memberBridgeGrpcPort(settings, k))).toEqual([base + 1007, base + 1011]);
    expect(memberBridgeGrpcPort(settings, 1)).toBeLessThan(memberServicePorts(settings, 2)['ledger-bridge']);
    const onGrpc = loadSettings('/repo', { DATAWELL_POSTGRES_PORT: '28007', DATAWELL_REDIS_PORT: '26379', DATAWELL_FABRIC_PORT_BASE: '27000' });
    expect(() => newMemberDomain(onGrpc, [operatorDomain(onGrpc)], 'AMSP', 'DSP')).toThrow(/port 28007 of domain AMSP \(ledger-bridge gRPC\) is already domain operator \(postgres\)'s/);
  });
});

describe('domain folders', () => {
  it("puts each domain's private folder and its public folder under the stack's domains/", () => {
    expect(domainPaths(settings, 'AcmeMSP')).toEqual({
      root: '/srv/stack/domains/AcmeMSP',
      publicDir: '/srv/stack/domains/public/AcmeMSP',
      postgres: '/srv/stack/domains/AcmeMSP/postgres',
      redis: '/srv/stack/domains/AcmeMSP/redis',
      fabric: '/srv/stack/domains/AcmeMSP/fabric',
      run: '/srv/stack/domains/AcmeMSP/run',
      logs: '/srv/stack/domains/AcmeMSP/logs',
      secrets: '/srv/stack/domains/AcmeMSP/secrets',
    });
  });
});
