import { Module } from '@nestjs/common';
import { defineService } from '@datawell/config';
import { SERVICES } from '@datawell/contracts';
import { bootstrapService } from './bootstrap';

@Module({})
class NeverBuilt {}

describe('bootstrapService', () => {
  let stderr: string[];
  let spy: jest.SpyInstance;
  beforeEach(() => {
    stderr = [];
    spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return true;
    });
  });
  afterEach(() => {
    spy.mockRestore();
    process.exitCode = undefined;
  });

  it('fails fast on a bad environment: exit code 1, one JSON line naming every variable, no app', async () => {
    const factory = jest.fn(() => ({ module: NeverBuilt }));
    const app = await bootstrapService(defineService(SERVICES.provisioner), factory, {
      DATAWELL_POSTGRES_URL: 'postgres://u:hunter2@db',
      PROVISIONER_HTTP_PORT: 'http',
    });
    spy.mockRestore();
    expect(app).toBeUndefined();
    expect(factory).not.toHaveBeenCalled();
    expect(process.exitCode).toBe(1);
    expect(stderr).toHaveLength(1);
    const record = JSON.parse(stderr[0] ?? '');
    expect(record).toMatchObject({ level: 'fatal', service: 'provisioner', code: 'CONFIG_INVALID' });
    expect(record.issues.map((i: { variable: string }) => i.variable).sort()).toEqual([
      'DATAWELL_KAFKA_BROKERS',
      'DATAWELL_REDIS_URL',
      'PROVISIONER_HTTP_PORT',
    ]);
    expect(stderr[0]).not.toContain('hunter2');
  });
});
