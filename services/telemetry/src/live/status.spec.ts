import { workloadStatus, type StatusInput } from './status';

describe('workloadStatus', () => {
  const base: StatusInput = { memberStatus: 'active', versionStatus: 'active', lastHeartbeatMs: 100_000, heartbeatIntervalSeconds: 5, abandonAfterSeconds: 30, nowMs: 100_000 };

  it('is healthy within two heartbeat intervals, late until abandon-after, then silent', () => {
    expect(workloadStatus({ ...base, nowMs: 110_000 })).toBe('healthy');
    expect(workloadStatus({ ...base, nowMs: 110_001 })).toBe('late');
    expect(workloadStatus({ ...base, nowMs: 130_000 })).toBe('late');
    expect(workloadStatus({ ...base, nowMs: 130_001 })).toBe('silent');
  });

  it('is silent without any heartbeat, and abandoned once the owner left or the version ended', () => {
    expect(workloadStatus({ ...base, lastHeartbeatMs: null })).toBe('silent');
    expect(workloadStatus({ ...base, memberStatus: 'abandoned' })).toBe('abandoned');
    expect(workloadStatus({ ...base, memberStatus: 'exited' })).toBe('abandoned');
    expect(workloadStatus({ ...base, versionStatus: 'dissolved' })).toBe('abandoned');
  });
});
