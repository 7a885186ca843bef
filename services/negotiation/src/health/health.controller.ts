import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { DependencyIndicators } from '@datawell/config';

/** 200 when every dependency answers, 503 naming the ones that do not. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly dependencies: DependencyIndicators,
  ) {}

  @Get()
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
    // PostgreSQL for its schema and Kafka for events.
    return this.health.check([
      () => this.dependencies.postgres(),
      () => this.dependencies.kafka(),
    ]);
  }
}
