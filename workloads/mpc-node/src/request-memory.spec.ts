import { appendFileSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RequestMemory, requestsTakenFile } from './request-memory';

const NOW = 1_800_000_000_000;
const fileIn = () => join(mkdtempSync(join(tmpdir(), 'request-memory-')), 'requests-taken.jsonl');
const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');

describe("an MPC node's memory of the requests it took part in", () => {
  it("keeps its file beside the node's own mesh file", () => {
    expect(requestsTakenFile('/srv/node/mesh.json')).toBe('/srv/node/mesh.requests-taken.jsonl');
    expect(requestsTakenFile('/t/mesh-3-1.json')).toBe('/t/mesh-3-1.requests-taken.jsonl');
  });

  it('names the other op that took a request id, not the same op, until the id expires', () => {
    const memory = new RequestMemory();
    memory.take('req-1', 'op-1', NOW + 1000);
    expect(memory.takenByOther('req-1', 'op-2', NOW)).toBe('op-1');
    expect(memory.takenByOther('req-1', 'op-1', NOW)).toBeUndefined();
    expect(memory.takenByOther('req-2', 'op-2', NOW)).toBeUndefined();
    expect(memory.takenByOther('req-1', 'op-2', NOW + 1001)).toBeUndefined();
  });

  it('keeps what it took in its file, mode 0600, and a new memory over the file knows it', () => {
    const file = fileIn();
    new RequestMemory(file, () => NOW).take('req-1', 'op-1', NOW + 1000);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(lines(file).map((l) => JSON.parse(l))).toEqual([{ requestId: 'req-1', opId: 'op-1', untilMs: NOW + 1000 }]);
    const restarted = new RequestMemory(file, () => NOW);
    expect(restarted.takenByOther('req-1', 'op-2', NOW)).toBe('op-1');
    // Read back after the window: forgotten (the window refuses the request anyway).
    expect(new RequestMemory(file, () => NOW + 2000).takenByOther('req-1', 'op-2', NOW + 2000)).toBeUndefined();
  });

  it('skips a line it did not finish writing, and the lines after it still count', () => {
    const file = fileIn();
    new RequestMemory(file, () => NOW).take('req-1', 'op-1', NOW + 1000);
    appendFileSync(file, '{"requestId":"req-2","opId":"op-');
    appendFileSync(file, '\n{"requestId":"req-3","opId":"op-3","untilMs":' + String(NOW + 1000) + '}\n');
    const restarted = new RequestMemory(file, () => NOW);
    expect(restarted.takenByOther('req-1', 'op-9', NOW)).toBe('op-1');
    expect(restarted.takenByOther('req-2', 'op-9', NOW)).toBeUndefined();
    expect(restarted.takenByOther('req-3', 'op-9', NOW)).toBe('op-3');
  });

  it('rewrites its file without the expired requests once they are many', () => {
    const file = fileIn();
    let now = NOW;
    const memory = new RequestMemory(file, () => now);
    for (let i = 0; i < 300; i++) memory.take(`old-${i}`, `op-${i}`, NOW + 10);
    memory.take('live', 'op-live', NOW + 100_000);
    expect(lines(file)).toHaveLength(301);
    now = NOW + 1000;
    // The next take finds the expired ones (forgotten on the way) and rewrites the file first.
    expect(memory.takenByOther('next', 'op-next', now)).toBeUndefined();
    memory.take('next', 'op-next', now + 100_000);
    expect(lines(file).map((l) => (JSON.parse(l) as { requestId: string }).requestId)).toEqual(['live', 'next']);
    expect(new RequestMemory(file, () => now).takenByOther('live', 'op-x', now)).toBe('op-live');
  });
});
