import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { composeCheckBinary } from '../../build';

// The compose files are checked by the Compose specification's own loader (compose-go, in the Go
// program tools/compose-check), then by the topology rules of tools/compose-check/topology.go.
const root = join(__dirname, '..', '..', '..', '..');
const fixtures = join(__dirname, '..', 'fixtures');
let binary = '';

function check(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(binary, args, { cwd: root, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A refusal: exit 2 and exactly one line on stderr, nothing on stdout. */
function refusal(...args: string[]): string {
  const result = check(...args);
  expect(result).toMatchObject({ status: 2, stdout: '' });
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  return result.stderr.trim();
}

beforeAll(async () => {
  // Built once per source version into the machine-wide cache (minutes only on a fresh machine).
  binary = await composeCheckBinary(root);
}, 600_000);

describe('compose-check', () => {
  it("accepts the operator's domain, docker-compose.yml", () => {
    expect(check('docker-compose.yml')).toEqual({ status: 0, stdout: 'compose-check: docker-compose.yml: operator domain operator, 16 services: ok\n', stderr: '' });
  });

  it("accepts a member's domain, deploy/compose/member.yml, with the example variables", () => {
    const result = check('--env-file', 'deploy/compose/member.example.env', 'deploy/compose/member.yml');
    expect(result).toEqual({ status: 0, stdout: 'compose-check: deploy/compose/member.yml: member domain DspMSP, 10 services: ok\n', stderr: '' });
  });

  it('checks both domains in one run and tells them apart', () => {
    const result = check('--env-file', 'deploy/compose/member.example.env', 'docker-compose.yml', 'deploy/compose/member.yml');
    expect(result.status).toBe(0);
    expect(result.stdout.trimEnd().split('\n')).toHaveLength(2);
  });

  it('refuses the member file without its MSP id, naming the variable', () => {
    expect(refusal('deploy/compose/member.yml')).toMatch(/required variable MSP_ID is missing a value/);
  });

  it('refuses a member of another role than DSP or VSP', () => {
    const line = refusal('--env-file', 'deploy/compose/member.example.env', '--env', 'ROLE=VIP', 'deploy/compose/member.yml');
    expect(line).toContain('x-datawell.role of a member is "VIP", not DSP or VSP');
  });

  it('refuses a topology that cannot run the life cycle, with every reason', () => {
    const line = refusal(join(fixtures, 'broken-member.yml'));
    expect(line).toContain('ledger bridge ledger-bridge has no peer (LEDGER_BRIDGE_PEER_ENDPOINT is unset)');
    expect(line).toContain('peer peer0 has no chaincode server for dao');
    expect(line).toContain('provisioner provisioner: no OpenTofu in its image');
    expect(line).toMatch(/service telemetry mounts \S+\/secrets\/operator, a secret folder of domain "operator"/);
  });

  it("refuses an operator domain holding a member's secret or reaching a member's peer", () => {
    const line = refusal(join(fixtures, 'leaky-operator.yml'));
    expect(line).toMatch(/secret dsp-kafka-credentials is \S+\/secrets\/DspMSP\/kafka-credentials.json, a file of domain "DspMSP", not of "operator"/);
    expect(line).toContain('ledger bridge ledger-bridge reaches peer0.dsp.example:27451, which is not a peer of domain operator');
    expect(line).toContain('ledger bridge ledger-bridge is the operator\'s but sets LEDGER_BRIDGE_MEMBER_MSP_ID="DspMSP" (a member\'s mode)');
  });

  it('refuses what the Compose loader refuses: an unknown key, a missing file, bad usage', () => {
    expect(refusal(join(fixtures, 'not-compose.yml'))).toMatch(/not-compose\.yml: .*additional properties 'servces' not allowed/);
    expect(refusal('no-such-file.yml')).toMatch(/^compose-check: no-such-file\.yml: cannot read/);
    expect(refusal()).toBe('compose-check: no Compose file given; usage: compose-check [--env-file FILE]... [--env NAME=VALUE]... FILE...');
    expect(refusal('--env', 'novalue', 'docker-compose.yml')).toBe('compose-check: --env "novalue" is not NAME=VALUE');
  });
});
