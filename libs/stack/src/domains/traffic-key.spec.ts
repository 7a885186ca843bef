import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { StackContext } from '../components/component';
import { loadSettings } from '../settings';
import { domainPaths, newMemberDomain, operatorDomain, type DomainRecord } from './domain';
import { domainTrafficKeys, ensureDomainTrafficKey, retireDomainTrafficKey, rotateDomainTrafficKey } from './traffic-key';

describe("a domain's traffic key", () => {
  let dir: string;
  let ctx: StackContext;
  let domain: DomainRecord;
  const steps: string[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'traffic-key-'));
    const settings = loadSettings('/repo', { DATAWELL_STACK_DIR: dir });
    ctx = { settings, progress: { step: (_c: string, m: string) => void steps.push(m) } } as unknown as StackContext;
    // The domain's user is whoever runs the spec: the file is made and chowned to it.
    domain = { ...newMemberDomain(settings, [operatorDomain(settings)], 'AcmeMSP', 'DSP'), osUser: userInfo().username };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("is 32 random bytes in the domain's secrets folder, mode 0600 in a 0700 folder, owned by its user", () => {
    const file = ensureDomainTrafficKey(ctx, domain);
    expect(file).toBe(join(domainPaths(ctx.settings, 'AcmeMSP').secrets, 'traffic.key'));
    const stat = statSync(file);
    expect([stat.size, stat.mode & 0o777, stat.uid]).toEqual([32, 0o600, userInfo().uid]);
    expect(statSync(join(file, '..')).mode & 0o777).toBe(0o700);
    expect(steps.some((s) => s.includes('traffic key made'))).toBe(true);
  });

  it('is made once: a second call keeps the key', () => {
    const file = ensureDomainTrafficKey(ctx, domain);
    const first = readFileSync(file);
    expect(ensureDomainTrafficKey(ctx, domain)).toBe(file);
    expect(readFileSync(file).equals(first)).toBe(true);
  });

  it('refuses a key file of another size, and keeps it', () => {
    const file = ensureDomainTrafficKey(ctx, domain);
    writeFileSync(file, 'not a key');
    expect(() => ensureDomainTrafficKey(ctx, domain)).toThrow(/holds 9 bytes, not a 32-byte traffic key/);
    expect(readFileSync(file, 'utf8')).toBe('not a key');
  });

  it('rotates: the current key moves aside as traffic-<id>.key, a new one takes its place; rotating again keeps both previous keys; retiring deletes one', () => {
    const file = ensureDomainTrafficKey(ctx, domain);
    const before = domainTrafficKeys(ctx, domain);
    expect(before.previous).toEqual([]);
    const old = readFileSync(file);
    const after = rotateDomainTrafficKey(ctx, domain);
    expect(after.current.file).toBe(file);
    expect(after.current.id).not.toBe(before.current.id);
    expect(readFileSync(file).equals(old)).toBe(false);
    expect(after.previous).toEqual([{ file: join(domainPaths(ctx.settings, 'AcmeMSP').secrets, `traffic-${before.current.id}.key`), id: before.current.id }]);
    expect(readFileSync(after.previous[0]!.file).equals(old)).toBe(true);
    expect([statSync(file).mode & 0o777, statSync(after.previous[0]!.file).mode & 0o777]).toEqual([0o600, 0o600]);
    const twice = rotateDomainTrafficKey(ctx, domain);
    expect(twice.previous.map((k) => k.id).sort()).toEqual([before.current.id, after.current.id].sort());
    expect(retireDomainTrafficKey(ctx, domain, before.current.id).previous.map((k) => k.id)).toEqual([after.current.id]);
    expect(() => retireDomainTrafficKey(ctx, domain, before.current.id)).toThrow(/no previous traffic key/);
    expect(() => retireDomainTrafficKey(ctx, domain, twice.current.id)).toThrow(/no previous traffic key/);
  });
});
