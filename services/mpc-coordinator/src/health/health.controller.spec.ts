import { ServiceUnavailableException } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { HealthIndicatorService, TerminusModule } from '@nestjs/terminus';
import { DependencyIndicators, SERVICES } from '@datawell/config';
import { HealthController } from './health.controller';

type Dependency = 'postgres' | 'redis' | 'kafka';
const indicators = new HealthIndicatorService();

/** Indicators that answer without I/O: every dependency up except those listed as down. */
function stubIndicators(down: readonly Dependency[] = []) {
  const result = (key: Dependency) => async () =>
    down.includes(key) ? indicators.check(key).down({ message: `${key} refused` }) : indicators.check(key).up();
  return { postgres: result('postgres'), redis: result('redis'), kafka: result('kafka') };
}

async function controllerWith(stub: ReturnType<typeof stubIndicators>): Promise<HealthController> {
  const moduleRef = await Test.createTestingModule({
    imports: [TerminusModule.forRoot({ logger: false })],
    controllers: [HealthController],
    providers: [{ provide: DependencyIndicators, useValue: stub }],
  }).compile();
  return moduleRef.get(HealthController);
}

describe('mpc-coordinator /health', () => {
  it('checks exactly the dependencies the service has', async () => {
    const result = await (await controllerWith(stubIndicators())).check();
    expect(result.status).toBe('ok');
    expect(Object.keys(result.details)).toEqual(['postgres', 'redis', 'kafka']);
    expect(Object.keys(result.details)).toEqual([...SERVICES['mpc-coordinator'].dependencies]);
  });

  it.each(['postgres', 'redis', 'kafka'] as const)('answers 503 naming %s when it is down', async (dependency) => {
    const controller = await controllerWith(stubIndicators([dependency]));
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
    const controller = await controllerWith(stubIndicators(['postgres', 'redis']));
    await expect(controller.check()).rejects.toMatchObject({
      response: { error: { postgres: { status: 'down' }, redis: { status: 'down' } } },
    });
  });
});
