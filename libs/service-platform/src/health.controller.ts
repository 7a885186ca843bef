import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import type { ServiceConfig } from '@datawell/config';
import type { Dependency } from '@datawell/contracts';
import { DependencyIndicators } from './dependency-indicators';
import { SERVICE_CONFIG } from './tokens';

/**
 * `GET /health` of every service: 200 when each dependency of its registry entry (`config.dependencies`) answers, 503
 * naming the ones that do not. Registered by ServicePlatformModule, so services declare none.
 */
@Controller('health')
export class HealthController {
  readonly #dependencies: readonly Dependency[];

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: DependencyIndicators,
    @Inject(SERVICE_CONFIG) config: ServiceConfig,
  ) {
    this.#dependencies = config.dependencies;
  }

  @Get()
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
    return this.health.check(this.#dependencies.map((dependency) => () => this.indicators[dependency]()));
  }
}
