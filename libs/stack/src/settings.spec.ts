import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { loadSettings, recordSettings } from './settings';

describe('loadSettings', () => {
  it('defaults keep clear of the standard ports and put the stack inside the checkout', () => {
    const s = loadSettings('/repo', { HOME: '/home/x' });
    expect(s.stackDir).toBe('/repo/.stack');
    expect(s.ports).toEqual({ postgres: 25432, redis: 26379, kafka: 29092, kafkaController: 29093, fabricBase: 27000, services: 4100, servicesGrpc: 5100, console: 4200 });
    expect([5432, 6379, 9092]).not.toEqual(expect.arrayContaining([s.ports.postgres, s.ports.redis, s.ports.kafka]));
    // Below the ephemeral range, so no client connection can hold one of them by chance.
    expect(Math.max(...Object.values(s.ports))).toBeLessThan(32768);
    expect(s.orderers).toBe(1);
    expect(s.terraformBinary).toBeUndefined();
    expect(s.domainHolder).toBeUndefined();
  });

  it('names the holder of the domains it takes up (a test file) from DATAWELL_DOMAIN_HOLDER', () => {
    expect(loadSettings('/repo', { DATAWELL_DOMAIN_HOLDER: '42:services/x/test/integration/a.test.ts' }).domainHolder).toBe('42:services/x/test/integration/a.test.ts');
  });

  it('takes folders, ports, orderers and a terraform binary from the environment', () => {
    const s = loadSettings('/repo', {
      DATAWELL_STACK_DIR: '/tmp/s',
      DATAWELL_CACHE_DIR: '/tmp/c',
      DATAWELL_POSTGRES_PORT: '6000',
      DATAWELL_FABRIC_PORT_BASE: '40000',
      DATAWELL_ORDERERS: '3',
      DATAWELL_TERRAFORM_BINARY: '/usr/local/bin/terraform',
    });
    expect(s).toMatchObject({ stackDir: '/tmp/s', cacheDir: '/tmp/c', orderers: 3, terraformBinary: '/usr/local/bin/terraform' });
    expect(s.ports.postgres).toBe(6000);
    expect(s.ports.fabricBase).toBe(40000);
    // Another Fabric base moves the operator's services off 4100/5100, into the Fabric plan's free 900s.
    expect(s.ports).toMatchObject({ services: 40900, servicesGrpc: 40950, console: 40990 });
    expect(loadSettings('/repo', { DATAWELL_FABRIC_PORT_BASE: '40000', DATAWELL_SERVICES_PORT_BASE: '14100', DATAWELL_SERVICES_GRPC_PORT_BASE: '15100', DATAWELL_CONSOLE_PORT: '14200' }).ports).toMatchObject({ services: 14100, servicesGrpc: 15100, console: 14200 });
  });

  it('uses XDG_CACHE_HOME for the machine-wide cache', () => {
    expect(loadSettings('/repo', { XDG_CACHE_HOME: '/var/cache/u' }).cacheDir).toBe('/var/cache/u/datawell');
  });

  it.each([
    [{ DATAWELL_POSTGRES_PORT: 'abc' }, /DATAWELL_POSTGRES_PORT must be a whole number, got "abc"/],
    [{ DATAWELL_REDIS_PORT: '80' }, /DATAWELL_REDIS_PORT must be a port between 1024 and 65000, got 80/],
    [{ DATAWELL_ORDERERS: '2' }, /DATAWELL_ORDERERS must be 1 or 3, got 2/],
    [{ DATAWELL_KAFKA_PORT: '-1' }, /DATAWELL_KAFKA_PORT must be a whole number/],
  ])('refuses %j with a message naming the variable', (env, message) => {
    expect(() => loadSettings('/repo', env)).toThrow(message);
  });
});

describe('recorded settings', () => {
  it('lets every process on a stack folder use the ports it was created with, unless told otherwise', () => {
    const dir = mkdtempSync(`${tmpdir()}/settings-`);
    try {
      recordSettings(loadSettings('/repo', { DATAWELL_STACK_DIR: dir, DATAWELL_FABRIC_PORT_BASE: '47000', DATAWELL_POSTGRES_PORT: '45432' }));
      const later = loadSettings('/elsewhere', { DATAWELL_STACK_DIR: dir });
      expect(later.ports).toMatchObject({ fabricBase: 47000, postgres: 45432, redis: 26379, services: 47900, servicesGrpc: 47950 });
      expect(loadSettings('/elsewhere', { DATAWELL_STACK_DIR: dir, DATAWELL_POSTGRES_PORT: '46000' }).ports.postgres).toBe(46000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
