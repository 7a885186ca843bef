import { loadSettings } from '@datawell/stack';
import { e2eStackEnv, tierWorkers } from './test';

describe("the e2e tier's own stack", () => {
  const settings = loadSettings('/repo', { DATAWELL_STACK_DIR: '/tmp/no-such-stack-for-spec' });

  it('runs beside the integration stack on ports of its own, each 5,000 lower, the services following its Fabric base', () => {
    const env = e2eStackEnv(settings, true);
    expect(env).toEqual({
      DATAWELL_STACK_DIR: '/tmp/no-such-stack-for-spec-e2e',
      DATAWELL_ORDERERS: String(settings.orderers),
      DATAWELL_POSTGRES_PORT: String(settings.ports.postgres - 5000),
      DATAWELL_REDIS_PORT: String(settings.ports.redis - 5000),
      DATAWELL_KAFKA_PORT: String(settings.ports.kafka - 5000),
      DATAWELL_KAFKA_CONTROLLER_PORT: String(settings.ports.kafkaController - 5000),
      DATAWELL_FABRIC_PORT_BASE: String(settings.ports.fabricBase - 5000),
      DATAWELL_SERVICES_PORT_BASE: String(settings.ports.fabricBase - 5000 + 900),
      DATAWELL_SERVICES_GRPC_PORT_BASE: String(settings.ports.fabricBase - 5000 + 950),
      DATAWELL_CONSOLE_PORT: String(settings.ports.fabricBase - 5000 + 990),
    });
    // No port of the e2e stack is one of the integration stack's.
    const e2e = loadSettings('/repo', env);
    const own = Object.values(settings.ports);
    expect(Object.values(e2e.ports).filter((p) => own.includes(p))).toEqual([]);
  });

  it('moves up instead when lower ports would be privileged', () => {
    const low = loadSettings('/repo', { DATAWELL_STACK_DIR: '/tmp/no-such-stack-for-spec', DATAWELL_POSTGRES_PORT: '5432' });
    expect(e2eStackEnv(low, true)['DATAWELL_POSTGRES_PORT']).toBe('10432');
  });

  it('takes the same ports, in its own folder, when it runs after the integration stack stopped', () => {
    const env = e2eStackEnv(settings, false);
    expect(env['DATAWELL_STACK_DIR']).toBe('/tmp/no-such-stack-for-spec-e2e');
    expect(env['DATAWELL_POSTGRES_PORT']).toBe(String(settings.ports.postgres));
    expect(env['DATAWELL_FABRIC_PORT_BASE']).toBe(String(settings.ports.fabricBase));
  });
});

describe("the stack tiers' workers", () => {
  it('are two in the e2e tier unless DATAWELL_E2E_WORKERS says otherwise, which must be a whole number of at least one', () => {
    expect(tierWorkers('e2e', {})).toBe(2);
    expect(tierWorkers('e2e', { DATAWELL_E2E_WORKERS: '' })).toBe(2);
    expect(tierWorkers('e2e', { DATAWELL_E2E_WORKERS: '1' })).toBe(1);
    expect(tierWorkers('e2e', { DATAWELL_E2E_WORKERS: '3' })).toBe(3);
    expect(tierWorkers('e2e', { DATAWELL_INTEGRATION_WORKERS: '1' })).toBe(2);
    for (const bad of ['0', 'two', '1.5', '-1']) expect(() => tierWorkers('e2e', { DATAWELL_E2E_WORKERS: bad })).toThrow(`DATAWELL_E2E_WORKERS must be a whole number of workers (1 or more), got "${bad}"`);
  });

  it('are three in the integration tier unless DATAWELL_INTEGRATION_WORKERS says otherwise', () => {
    expect(tierWorkers('integration', {})).toBe(3);
    expect(tierWorkers('integration', { DATAWELL_INTEGRATION_WORKERS: '2' })).toBe(2);
    expect(tierWorkers('integration', { DATAWELL_E2E_WORKERS: '1' })).toBe(3);
    expect(() => tierWorkers('integration', { DATAWELL_INTEGRATION_WORKERS: 'many' })).toThrow('DATAWELL_INTEGRATION_WORKERS must be a whole number of workers (1 or more), got "many"');
  });
});
