import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';

const REPO = join(__dirname, '..', '..', '..', '..');

function dev(args: string[]) {
  const r = spawnSync(join(REPO, 'dev'), args, { cwd: REPO, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.split('\n').filter((l) => l && !l.includes('npm warn') && !/^\[\d\d:\d\d:\d\d\]/.test(l)) };
}

interface Listed {
  name: string;
  role: string;
  osUser: string;
  folder: string;
  processes: { name: string; pid?: number; user?: string }[];
  database: { host: string; port: number };
  redis: { host: string; port: number };
  kafka: { principal: string };
  serviceUrls: Record<string, string>;
}

describe('./dev domain', () => {
  it.each([
    [['domain', 'add', 'acme', '--role', 'DSP'], /^dev: MSP id "acme" must be letters and digits ending in "MSP"/],
    [['domain', 'add', 'AcmeMSP', '--role', 'dsp'], /^dev: role must be DSP or VSP, got "dsp"/],
    [['domain', 'add', 'OperatorMSP', '--role', 'VSP'], /^dev: OperatorMSP is the stack's own organisation/],
    [['domain', 'add', 'AcmeMSP'], /^dev: required option '--role <role>' not specified/],
    [['domain', 'add', '--role', 'DSP'], /^dev: missing required argument 'MSPID'/],
    [['domain', 'channel', 'form', 'dao-cli-v1', 'NoSuchMSP'], /^dev: unknown domain NoSuchMSP \(known: operator/],
    [['domain', 'channel', 'form', 'Bad_Channel'], /^dev: missing required argument 'MSPID'/],
    [['domain', 'channel', 'join', 'operator', 'dao-cli-v1'], /^dev: the operator is not a member of a DAO channel/],
    [['domain', 'channel', 'join', 'NoSuchMSP', 'dao-cli-v1'], /^dev: unknown domain NoSuchMSP/],
    [['domain', 'channel', 'sign', 'operator', '/nonexistent.pb'], /^dev: the operator is not a member of a DAO channel/],
    [['domain', 'channel', 'propose', 'NoSuchMSP', 'dao-cli-v1', 'OtherMSP'], /^dev: required option '--out <file>' not specified/],
    [['domain', 'start', 'NoSuchMSP'], /^dev: no member domain NoSuchMSP \(members: /],
    [['domain', 'stop', 'operator'], /^dev: no member domain operator \(members: /],
    [['domain', 'console', 'NoSuchMSP'], /^dev: no member domain NoSuchMSP \(members: /],
    [['scenario', 'domains', '--vsps', '9'], /^dev: --vsps must be a whole number from 1 to 4, got "9"/],
    [['scenario', 'domains', '--org-prefix', 'lower'], /^dev: --org-prefix must be a capital letter/],
  ])('exits 2 with one line for bad input: %j', (args, message) => {
    const r = dev(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toHaveLength(1);
    expect(r.stderr[0]).toMatch(message);
  });

  it('adds a member domain and lists it, with the operator, in domain list and stack status --json', () => {
    const added = dev(['domain', 'add', 'DomainCliVspMSP', '--role', 'VSP', '--json']);
    expect(added.code).toBe(0);
    const { domain, mspPackage } = JSON.parse(added.stdout) as { domain: Listed; mspPackage: { mspId: string; cacerts: string[] } };
    expect(domain).toMatchObject({ name: 'DomainCliVspMSP', role: 'VSP', osUser: 'dw-domainclivspmsp' });
    expect(mspPackage.mspId).toBe('DomainCliVspMSP');
    expect(mspPackage.cacerts[0]).toMatch(/BEGIN CERTIFICATE/);
    expect(statSync(domain.folder).mode & 0o777).toBe(0o700);

    const listed = dev(['domain', 'list', '--json']);
    expect(listed.code).toBe(0);
    const fromList = (JSON.parse(listed.stdout) as Listed[]).map((d) => d.name);
    expect(fromList[0]).toBe('operator');
    expect(fromList).toContain('DomainCliVspMSP');

    const st = dev(['stack', 'status', '--json']);
    const domains = (JSON.parse(st.stdout) as { domains: Listed[] }).domains;
    const member = domains.find((d) => d.name === 'DomainCliVspMSP') as Listed;
    expect(member.processes.map((p) => p.name)).toEqual([
      'postgres@DomainCliVspMSP',
      'redis@DomainCliVspMSP',
      'ca-domainclivsp',
      'peer0.domainclivsp',
      'ledger-bridge@DomainCliVspMSP',
      'telemetry@DomainCliVspMSP',
      'provisioner@DomainCliVspMSP',
      'console@DomainCliVspMSP',
    ]);
    for (const p of member.processes.slice(0, 4)) expect(p).toMatchObject({ pid: expect.any(Number), user: 'dw-domainclivspmsp' });
    // Its member-mode services and console are listed, not started (./dev domain start starts them).
    expect(member.processes.slice(4)).toEqual(['ledger-bridge', 'telemetry', 'provisioner', 'console'].map((s) => ({ name: `${s}@DomainCliVspMSP` })));
    expect(member.database).toEqual({ host: '127.0.0.1', port: expect.any(Number), database: 'datawell' });
    expect(member.redis.port).toBeGreaterThan(0);
    expect(member.kafka.principal).toBe('member-DomainCliVspMSP');
    const url = expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(member.serviceUrls).toEqual({ 'ledger-bridge': url, telemetry: url, provisioner: url, console: url });
    const operator = domains.find((d) => d.name === 'operator') as Listed;
    expect(operator.processes.map((p) => p.name)).toEqual(expect.arrayContaining(['postgres', 'redis', 'kafka', 'orderer0.orderer', 'peer0.operator']));
    expect(operator.processes.map((p) => p.name)).not.toContain('peer0.domainclivsp');

    // The member's own peer, asked by its own admin, has joined no channel: the operator joined it to none.
    const channels = dev(['domain', 'channel', 'list', 'DomainCliVspMSP']);
    expect(channels.code).toBe(0);
    expect(channels.stdout.trim()).toBe('');
    const unformed = dev(['domain', 'channel', 'join', 'DomainCliVspMSP', 'dao-never-formed-v1']);
    expect([unformed.code, unformed.stderr]).toEqual([2, ['dev: no channel dao-never-formed-v1 has been formed']]);
  });

  it("serves the member's console in its own domain, as its OS user, on the domain's console port, and stops it", async () => {
    const started = dev(['domain', 'console', 'DomainCliVspMSP', '--json']);
    expect(started.code).toBe(0);
    const { consoles } = JSON.parse(started.stdout) as { consoles: Array<{ domain: string; url: string; healthy: boolean; pid: number }> };
    expect(consoles).toEqual([expect.objectContaining({ domain: 'DomainCliVspMSP', healthy: true, pid: expect.any(Number) })]);
    const st = JSON.parse(dev(['stack', 'status', '--json']).stdout) as { domains: Listed[] };
    const member = st.domains.find((d) => d.name === 'DomainCliVspMSP') as Listed;
    expect(member.serviceUrls['console']).toBe(consoles[0]!.url);
    expect(member.processes.find((p) => p.name === 'console@DomainCliVspMSP')).toEqual({ name: 'console@DomainCliVspMSP', pid: consoles[0]!.pid, user: 'dw-domainclivspmsp' });
    // The page itself, and the member's own ledger bridge behind /api/member (not running here: the
    // proxy says so, where a console without a member upstream would not know the route at all).
    const page = await fetch(consoles[0]!.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<div id="root">/);
    const bridge = await fetch(`${consoles[0]!.url}/api/member/health`);
    expect(bridge.status).toBe(502);
    // Once more: already serving, the same process.
    const again = JSON.parse(dev(['domain', 'console', 'DomainCliVspMSP', '--json']).stdout) as { consoles: Array<{ pid: number }> };
    expect(again.consoles[0]!.pid).toBe(consoles[0]!.pid);
    expect(dev(['domain', 'console', 'DomainCliVspMSP', '--stop']).code).toBe(0);
    const after = JSON.parse(dev(['stack', 'status', '--json']).stdout) as { domains: Listed[] };
    expect(after.domains.find((d) => d.name === 'DomainCliVspMSP')!.processes.find((p) => p.name === 'console@DomainCliVspMSP')).toEqual({ name: 'console@DomainCliVspMSP' });
  });
});
