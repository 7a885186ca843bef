import { Inject, Injectable, Optional } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import { checkKafka, checkRedis, withTimeout } from '@datawell/messaging';
import type { DataSource } from 'typeorm';
import type { Kafka } from 'kafkajs';
import type { Redis } from 'ioredis';
import { KAFKA_PROBE, REDIS } from './tokens';

const TIMEOUT_MS = 2000;

/**
 * One health indicator per dependency a service may have. Each resolves to `up` or `down` (never
 * throws), so a service's controller just lists the ones it needs and terminus aggregates them.
 */
@Injectable()
export class DependencyIndicators {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(KAFKA_PROBE) private readonly kafkaProbe: Kafka,
    @Optional() @Inject(REDIS) private readonly redisClient?: Redis,
  ) {}

  async postgres(): Promise<HealthIndicatorResult<'postgres'>> {
    const session = this.indicators.check('postgres');
    try {
      if (!this.dataSource.isInitialized) throw new Error('data source is not initialised');
      await withTimeout(this.dataSource.query('SELECT 1'), TIMEOUT_MS, 'postgres SELECT 1');
      return session.up();
    } catch (error) {
      return session.down({ message: messageOf(error) });
    }
  }

  async redis(): Promise<HealthIndicatorResult<'redis'>> {
    const session = this.indicators.check('redis');
    if (!this.redisClient) return session.down({ message: 'this service has no Redis connection configured' });
    try {
      await checkRedis(this.redisClient, TIMEOUT_MS);
      return session.up();
    } catch (error) {
      return session.down({ message: messageOf(error) });
    }
  }

  async kafka(): Promise<HealthIndicatorResult<'kafka'>> {
    const session = this.indicators.check('kafka');
    try {
      const cluster = await checkKafka(this.kafkaProbe, TIMEOUT_MS + 1000);
      return session.up({ brokers: cluster.brokers });
    } catch (error) {
      return session.down({ message: messageOf(error) });
    }
  }
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
