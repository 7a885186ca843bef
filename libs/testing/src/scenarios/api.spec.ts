import { describeTimings, FormationClock } from './api';

describe("a scenario's formation clock", () => {
  function clockAt(times: number[]) {
    const queue = [...times];
    return new FormationClock(() => {
      const t = queue.shift();
      if (t === undefined) throw new Error('the test read the clock more often than it set it up');
      return t;
    });
  }

  it("times each version from its agreement to every member's read, the stage following the version agreed last", async () => {
    const clock = clockAt([1_000, 9_500, 20_000, 31_000, 40_000, 52_250]);
    const { onAgreed, onStage } = clock.hooks();
    onAgreed(1);
    await onStage('formed', 'd1');
    onAgreed(2);
    await onStage('joined', 'd1');
    onAgreed(3);
    await onStage('joined', 'd1');
    expect(clock.formationMs()).toEqual([8_500, 11_000, 12_250]);
  });

  it('runs the given stage hook after noting the time, and measures from an agreement to now', async () => {
    const clock = clockAt([100, 4_100, 30_100]);
    const seen: string[] = [];
    const { onAgreed, onStage } = clock.hooks(async (stage, daoId) => void seen.push(`${stage} ${daoId}`));
    onAgreed(1);
    await onStage('formed', 'd2');
    expect(seen).toEqual(['formed d2']);
    expect(clock.sinceAgreed(1)).toBe(30_000);
  });

  it('refuses a formation before any agreement and a time since a version never agreed', () => {
    const clock = clockAt([5]);
    expect(() => clock.formed()).toThrow(/before any was agreed/);
    expect(() => clock.sinceAgreed(1)).toThrow(/version 1 was not agreed/);
    expect(clock.formationMs()).toEqual([]);
  });

  it('prints each version in seconds, and the heartbeat figure only when measured', () => {
    expect(describeTimings({ formationMs: [8_500, 11_040] })).toBe('  formation (agreed → every member reads the version through its own bridge): v1 8.5 s, v2 11.0 s\n');
    expect(describeTimings({ formationMs: [8_500], agreementToFirstHeartbeatMs: [21_960, 9_040] })).toContain('agreed → a heartbeat of each workload the version built recorded on the ledger: v1 22.0 s, v2 9.0 s');
  });
});
