import { ServiceUnavailableException } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { HealthIndicatorService, TerminusModule } from '@nestjs/terminus';
import { defineService, loadServiceConfig } from '@datawell/config';
import { SERVICE_NAMES, SERVICES, type Dependency, type ServiceName } from '@datawell/contracts';
import { DependencyIndicators } from './dependency-indicators';
import { HealthController } from './health.controller';
import { SERVICE_CONFIG } from './tokens';

const indicators = new HealthIndicatorService();
const env = {
  DATAWELL_POSTGRES_URL: 'postgres://u:p@db:5432/d',
  DATAWELL_REDIS_URL: 'redis://redis:6379',
  DATAWELL_KAFKA_BROKERS: 'kafka:9092',
};

/** Written out rather than read from SERVICES, so a wrong SERVICES entry fails here; the Record type keeps it complete. */
const EXPECTED: Record<ServiceName, readonly Dependency[]> = {
  marketplace: ['postgres', 'kafka'],
  negotiation: ['postgres', 'kafka'],
  'ledger-bridge': ['postgres', 'redis', 'kafka'],
  provisioner: ['postgres', 'redis', 'kafka'],
  telemetry: ['postgres', 'redis', 'kafka'],
  'mpc-coordinator': ['postgres', 'redis', 'kafka'],
};

/** Indicators that answer without I/O, for every dependency a service may have: up except those listed as down. */
function stubIndicators(down: readonly Dependency[] = []) {
  const result = (key: Dependency) => async () =>
    down.includes(key) ? indicators.check(key).down({ message: `${key} refused` }) : indicators.check(key).up();
  return { postgres: result('postgres'), redis: result('redis'), kafka: result('kafka') };
}

async function controllerWith(service: ServiceName, stub: ReturnType<typeof stubIndicators>): Promise<HealthController> {
  const moduleRef = await Test.createTestingModule({
    imports: [TerminusModule.forRoot({ logger: false })],
    controllers: [HealthController],
    providers: [
      { provide: DependencyIndicators, useValue: stub },
      { provide: SERVICE_CONFIG, useValue: loadServiceConfig(defineService(SERVICES[service]), env) },
    ],
  }).compile();
  return moduleRef.get(HealthController);
}

describe.each(SERVICE_NAMES.map((service) => [service, EXPECTED[service]] as const))(
  '%s /health',
  (service, dependencies) => {
    it('checks exactly the dependencies the service has', async () => {
      const result = await (await controllerWith(service, stubIndicators())).check();
      expect(result.status).toBe('ok');
      expect(Object.keys(result.details)).toEqual(dependencies);
      expect(Object.keys(result.details)).toEqual([...SERVICES[service].dependencies]);
    });

    it.each(dependencies)('answers 503 naming %s when it is down', async (dependency) => {
      const controller = await controllerWith(service, stubIndicators([dependency]));
      const failure = await controller.check().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(ServiceUnavailableException);
      const exception = failure as ServiceUnavailableException;
      expect(exception.getStatus()).toBe(503);
      const body = exception.getResponse() as { status: string; error: Record<string, unknown>; info: Record<string, unknown> };
      expect(body.status).toBe('error');
      expect(body.error).toEqual({ [dependency]: { status: 'down', message: `${dependency} refused` } });
      expect(Object.keys(body.info)).not.toContain(dependency);
    });

    it('lists every dependency that is down, not only the first', async () => {
      const [first, second] = dependencies;
      if (first === undefined || second === undefined) throw new Error(`${service} has fewer than two dependencies`);
      const controller = await controllerWith(service, stubIndicators([first, second]));
      await expect(controller.check()).rejects.toMatchObject({
        response: { error: { [first]: { status: 'down' }, [second]: { status: 'down' } } },
      });
    });
  },
);
