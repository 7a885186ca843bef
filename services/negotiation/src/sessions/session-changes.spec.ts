import { parseSessionChange, sessionChangesChannel } from './session-changes';
import { sessionChangeMessage } from './session-live.controller';

describe('session changes', () => {
  it('reads `<sessionId>:<seq>` as the history writes it, and nothing else', () => {
    expect(parseSessionChange('0f8c6f7e-1b2a-4c3d-9e8f-000000000001:42')).toEqual({ sessionId: '0f8c6f7e-1b2a-4c3d-9e8f-000000000001', seq: 42 });
    for (const bad of ['', ':42', 'abc', 'abc:', 'abc:0', 'abc:-1', 'abc:1.5', 'abc:x']) expect(parseSessionChange(bad)).toBeUndefined();
  });

  it('sends a change as an SSE message whose id is the seq', () => {
    expect(sessionChangeMessage({ sessionId: 's1', seq: 7 })).toBe('id: 7\nevent: change\ndata: {"sessionId":"s1","seq":7}\n\n');
  });

  it('names a channel PostgreSQL accepts for any schema (63 bytes at most), one per schema', () => {
    expect(sessionChangesChannel('negotiation')).toBe('datawell_sessions_negotiation');
    const long = sessionChangesChannel('x'.repeat(60));
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(63);
    expect(long).not.toBe(sessionChangesChannel('y'.repeat(60)));
  });
});
