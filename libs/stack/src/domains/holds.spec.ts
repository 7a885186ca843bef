import { heldBy, hold, holderProcessAlive, release, type DomainHolds } from './holds';

const A = '101:services/a.test.ts';
const B = '102:services/b.test.ts';
const everyone = () => true;

describe('domain holds', () => {
  it('parks a domain its only holder took up, when that holder lets go, and drops the record', () => {
    const holds = hold({}, 'XMSP', A, true, everyone);
    expect(holds).toEqual({ XMSP: { takenUp: true, holders: [A] } });
    expect(heldBy(holds, A)).toEqual(['XMSP']);
    expect(release(holds, 'XMSP', A, everyone)).toEqual({ holds: {}, park: true });
  });

  it('keeps a domain that was in use before any holder came (a developer’s own) running', () => {
    const holds = hold({}, 'OwnMSP', A, false, everyone);
    expect(release(holds, 'OwnMSP', A, everyone)).toEqual({ holds: {}, park: false });
  });

  it('keeps a domain another running file still holds, and parks it when that file lets go too', () => {
    // A takes the domain up; B, running at the same time, finds it running and holds it too.
    let holds = hold(hold({}, 'XMSP', A, true, everyone), 'XMSP', B, false, everyone);
    const first = release(holds, 'XMSP', A, everyone);
    expect(first.park).toBe(false);
    holds = first.holds;
    expect(holds).toEqual({ XMSP: { takenUp: true, holders: [B] } });
    expect(release(holds, 'XMSP', B, everyone)).toEqual({ holds: {}, park: true });
  });

  it('parks whichever file ends last, in either order', () => {
    const holds = hold(hold({}, 'XMSP', A, true, everyone), 'XMSP', B, false, everyone);
    const bFirst = release(holds, 'XMSP', B, everyone);
    expect(bFirst.park).toBe(false);
    expect(release(bFirst.holds, 'XMSP', A, everyone).park).toBe(true);
  });

  it('counts a holder once however often its file adds the domain', () => {
    const holds = hold(hold({}, 'XMSP', A, true, everyone), 'XMSP', A, false, everyone);
    expect(holds['XMSP']).toEqual({ takenUp: true, holders: [A] });
    expect(release(holds, 'XMSP', A, everyone).park).toBe(true);
  });

  it('does not count a holder whose process ended without letting go (a killed run)', () => {
    const alive = (h: string) => h !== B;
    const holds: DomainHolds = { XMSP: { takenUp: true, holders: [B] } };
    // The dead holder's record still says a test took the domain up: the next file parks it.
    const taken = hold(holds, 'XMSP', A, false, alive);
    expect(taken['XMSP']).toEqual({ takenUp: true, holders: [A] });
    expect(release(holds, 'XMSP', A, alive)).toEqual({ holds: {}, park: true });
  });

  it('leaves other domains and unknown names alone', () => {
    const holds = hold(hold({}, 'XMSP', A, true, everyone), 'YMSP', B, true, everyone);
    expect(heldBy(holds, A)).toEqual(['XMSP']);
    expect(release(holds, 'ZMSP', A, everyone)).toEqual({ holds, park: false });
    expect(release(holds, 'XMSP', A, everyone).holds).toEqual({ YMSP: { takenUp: true, holders: [B] } });
  });

  it("keeps a pool domain the run held ahead running through every file's end, and parks it at the run's end", () => {
    const POOL = '100:e2e pool';
    // The run holds the pool before the domain exists; the first file creates it, the second finds it running.
    let holds = hold({}, 'PoolMSP', POOL, true, everyone);
    holds = hold(holds, 'PoolMSP', A, true, everyone);
    const aEnds = release(holds, 'PoolMSP', A, everyone);
    expect(aEnds).toEqual({ holds: { PoolMSP: { takenUp: true, holders: [POOL] } }, park: false });
    const bEnds = release(hold(aEnds.holds, 'PoolMSP', B, false, everyone), 'PoolMSP', B, everyone);
    expect(bEnds.park).toBe(false);
    expect(release(bEnds.holds, 'PoolMSP', POOL, everyone)).toEqual({ holds: {}, park: true });
    // A developer's own domain of a pool name, running before the run came, stays theirs.
    const own = hold(hold({}, 'PoolMSP', POOL, false, everyone), 'PoolMSP', A, false, everyone);
    expect(release(release(own, 'PoolMSP', A, everyone).holds, 'PoolMSP', POOL, everyone).park).toBe(false);
  });

  it('reads a holder as alive while the process of its pid runs', () => {
    expect(holderProcessAlive(`${process.pid}:a.test.ts`)).toBe(true);
    expect(holderProcessAlive('0:a.test.ts')).toBe(false);
    expect(holderProcessAlive('not-a-pid')).toBe(false);
  });
});
