import { enabledLevels, ServiceLogger } from './logger';

describe('enabledLevels', () => {
  it('enables the level and everything more severe', () => {
    expect(enabledLevels('fatal')).toEqual(['fatal']);
    expect(enabledLevels('log')).toEqual(['fatal', 'error', 'warn', 'log']);
    expect(enabledLevels('verbose')).toEqual(['fatal', 'error', 'warn', 'log', 'debug', 'verbose']);
  });
});

describe('ServiceLogger', () => {
  let lines: string[];
  let spy: jest.SpyInstance;
  beforeEach(() => {
    lines = [];
    spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
  });
  afterEach(() => spy.mockRestore());

  it('writes one JSON object per line naming the service', () => {
    new ServiceLogger('telemetry', 'log').log({ message: 'hello', n: 1 }, 'Ctx');
    spy.mockRestore();
    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0] ?? '');
    expect(record).toMatchObject({ service: 'telemetry', level: 'log', context: 'Ctx', message: { message: 'hello', n: 1 } });
  });

  it('drops messages below the configured level', () => {
    const logger = new ServiceLogger('telemetry', 'warn');
    logger.log('quiet');
    logger.debug('quieter');
    spy.mockRestore();
    expect(lines).toEqual([]);
  });
});
