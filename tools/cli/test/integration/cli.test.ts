import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const REPO = join(__dirname, '..', '..', '..', '..');

function dev(args: string[], shell?: string) {
  const r = shell
    ? spawnSync('bash', ['-c', shell], { cwd: REPO, encoding: 'utf8' })
    : spawnSync(join(REPO, 'dev'), args, { cwd: REPO, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.split('\n').filter((l) => l && !l.includes('npm warn')) };
}

describe('./dev against the running stack', () => {
  it('reports every component healthy as JSON', () => {
    const r = dev(['stack', 'status', '--json']);
    expect(r.code).toBe(0);
    const status = JSON.parse(r.stdout) as { healthy: boolean; components: { name: string; healthy: boolean }[] };
    expect(status.healthy).toBe(true);
    expect(status.components.map((c) => c.name)).toEqual(
      expect.arrayContaining(['postgres', 'redis', 'kafka', 'ca-orderer', 'ca-operator', 'orderer0.orderer', 'peer0.operator', 'chaincode-hello', 'opentofu']),
    );
  });

  it("prints exports with which Fabric's own peer CLI lists the operator's channels", () => {
    const r = dev([], './dev stack env --org OperatorMSP > /tmp/dw-env.sh && . /tmp/dw-env.sh && peer channel list 2>/dev/null');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toContain('marketplace');
  });

  it.each([
    [['stack', 'env', '--org', 'NopeMSP'], /^dev: unknown organisation NopeMSP \(known: .*OperatorMSP/],
    [['stack', 'env'], /^dev: required option '--org <MSPID>' not specified/],
    [['stack', 'logs', 'nope'], /^dev: no log named "nope"; known: postgres, redis, kafka/],
    [['stack', 'logs', 'kafka', '--lines', 'x'], /^dev: --lines must be a positive whole number, got "x"/],
    [['stack', 'up', '--orderers', '2'], /^dev: (DATAWELL_ORDERERS must be 1 or 3, got 2|the network was created with 1 orderer)/],
    [['stack', 'up', '--only', 'mongodb'], /^dev: unknown component mongodb; known: postgres, redis, kafka, fabric/],
    [['test', '--tier', 'nope'], /^dev: --tier must be one of unit, integration, e2e, got "nope"/],
    [['frobnicate'], /^dev: unknown command 'frobnicate'/],
    [['stack', 'status', '--verbose'], /^dev: unknown option '--verbose'/],
  ])('exits 2 with one line for bad input: %j', (args, message) => {
    const r = dev(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toHaveLength(1);
    expect(r.stderr[0]).toMatch(message);
  });
});
