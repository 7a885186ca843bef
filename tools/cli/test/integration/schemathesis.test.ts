import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installSchemathesis, run, stderrProgress, VERSIONS } from '@datawell/stack';
import { bootAllServices, hex, loginAtServer, stackAdminIdentity, testStackContext, type BootedServices, type EnrolledIdentity } from '@datawell/testing';
import { ALL_SERVICES, type DatawellService } from './all-services';

jest.setTimeout(900_000);

/*
 * Schemathesis (PyPI, pinned in libs/stack/src/versions.ts, installed into the machine-wide cache)
 * over the OpenAPI document of every service, booted on the real stack and listening on a loopback
 * port, with a valid participant's bearer token (and, for the ledger bridge's network administration,
 * the operator's administrator's). It generates requests from each document (examples, the coverage
 * phase's boundary values, fuzzing; valid and invalid) and checks (named in schemathesis.toml beside this file):
 * - not_a_server_error: no request, however malformed, gets a 5xx;
 * - negative_data_rejection: what the document says is invalid is refused with a 4xx;
 * - positive_data_acceptance: what it says is valid is not refused as invalid (400/422): the document
 *   describes what the service validates;
 * - response_schema_conformance / content_type_conformance: answers match what the document declares.
 * Per-operation exceptions, each with its reason, are in schemathesis.toml too. Deterministic
 * generation (no random seed) keeps the run repeatable, and few examples per operation keep it
 * within a few minutes on a loaded two-core machine.
 */

const MAX_EXAMPLES = 4;

/** The operator administrators' routes of the ledger bridge: fuzzed with the operator's admin token. */
const OPERATOR_ADMIN_PATHS = '^/admin/(participants|dao-versions|channels)$';

/** What schemathesis's NDJSON report records of one scenario (an operation in one phase). */
interface Recorder {
  label: string;
  checks?: Record<string, Array<{ name: string; status: string; failure_info?: { failure?: { title?: string } } }>>;
  interactions?: Record<string, { response?: { status_code: number; content?: { $base64?: string } } }>;
}

interface RunCounts {
  readonly service: string;
  readonly identity: string;
  readonly operations: number;
  readonly requests: number;
  readonly failures: readonly string[];
  readonly exitCode: number;
  readonly seconds: number;
}

/** One schemathesis run; its counts from the NDJSON event stream it writes (one event a line). */
async function schemathesis(st: string, service: string, identity: string, url: string, token: string, filter: readonly string[], reportDir: string): Promise<RunCounts> {
  const ndjson = join(reportDir, `${service}-${identity}.ndjson`);
  const started = Date.now();
  const args = [
    '--config-file',
    join(__dirname, 'schemathesis.toml'),
    'run',
    url,
    '--header',
    `Authorization: Bearer ${token}`,
    '--phases',
    'examples,coverage,fuzzing',
    '--max-examples',
    String(MAX_EXAMPLES),
    '--generation-deterministic',
    '--no-shrink',
    // One worker: with two, hypothesis's lambda-source parsing raced on Python 3.11 ("AST constructor
    // recursion depth mismatch", an error of the run, not of the service).
    '--workers',
    '1',
    '--request-timeout',
    '30',
    '--continue-on-failure',
    '--report',
    'ndjson',
    '--report-ndjson-path',
    ndjson,
    '--no-color',
    ...filter,
  ];
  const outcome = await run(st, args, { cwd: reportDir, env: { SCHEMATHESIS_HOOKS: '' } }).then(
    (r) => ({ code: 0, output: r.stdout }),
    (e: unknown) => ({ code: 1, output: e instanceof Error ? e.message : String(e) }),
  );
  let operations = 0;
  let requests = 0;
  const failures: string[] = [];
  const seconds = Math.round((Date.now() - started) / 1000);
  if (!existsSync(ndjson)) return { service, identity, operations, requests, failures: [`${service}: schemathesis wrote no report:\n${outcome.output.slice(-3000)}`], exitCode: outcome.code, seconds };
  for (const line of readFileSync(ndjson, 'utf8').split('\n').filter((l) => l.trim() !== '')) {
    const event = JSON.parse(line) as Record<string, Record<string, unknown>>;
    const loaded = event['LoadingFinished'] as { statistic?: { operations?: { selected?: number } } } | undefined;
    if (loaded) operations = loaded.statistic?.operations?.selected ?? 0;
    const error = event['NonFatalError'] as { label?: string; value?: { type?: string; message?: string } } | undefined;
    if (error) failures.push(`${service} ${error.label ?? '?'}: schemathesis could not test it: ${error.value?.type ?? ''} ${error.value?.message ?? ''}`);
    const finished = event['ScenarioFinished'] as { recorder?: Recorder } | undefined;
    if (!finished?.recorder) continue;
    const { label, checks = {}, interactions = {} } = finished.recorder;
    requests += Object.keys(interactions).length;
    for (const [caseId, results] of Object.entries(checks)) {
      for (const check of results.filter((c) => c.status === 'failure')) {
        const response = interactions[caseId]?.response;
        const body = response?.content?.$base64 ? Buffer.from(response.content.$base64, 'base64').toString('utf8').slice(0, 200) : '';
        failures.push(`${service} ${label}: ${check.name} (${check.failure_info?.failure?.title ?? '?'}): ${response?.status_code ?? '?'} ${body}`);
      }
    }
  }
  if (outcome.code !== 0 && failures.length === 0) failures.push(`${service}: schemathesis exited non-zero without a failed check:\n${outcome.output.slice(-3000)}`);
  return { service, identity, operations, requests, failures: [...new Set(failures)], exitCode: outcome.code, seconds };
}

describe('schemathesis over every OpenAPI document (valid identity)', () => {
  let all: BootedServices<DatawellService>;
  const reportDir = mkdtempSync(join(tmpdir(), 'schemathesis-report-'));
  let st: string;
  let participant: EnrolledIdentity;

  beforeAll(async () => {
    st = await installSchemathesis(testStackContext().settings.cacheDir, stderrProgress);
    all = await bootAllServices(ALL_SERVICES, { label: 'schemathesis', logLevel: 'fatal', listen: true });
    // A participant, known to every service's identity directory.
    participant = await all.enrolParticipant(`Fuzz${hex(2)}MSP`, 'VSP');
  });

  afterAll(async () => {
    await all?.close();
    rmSync(reportDir, { recursive: true, force: true });
  });

  it('answers no generated request with a 5xx, and every service validates what its document describes', async () => {
    const operatorAdmin = { mspId: 'OperatorMSP', ...stackAdminIdentity(testStackContext(), 'OperatorMSP') };
    const runs: RunCounts[] = [];
    const started = Date.now();
    const booted = all.services;
    for (const b of booted) {
      const server = b.app.getHttpServer();
      const url = `${b.baseUrl!}/docs/openapi.json`;
      if (b.name === 'ledger-bridge') {
        runs.push(await schemathesis(st, b.name, 'participant', url, await loginAtServer(server, participant), ['--exclude-path-regex', OPERATOR_ADMIN_PATHS], reportDir));
        runs.push(await schemathesis(st, b.name, 'operator-admin', url, await loginAtServer(server, operatorAdmin), ['--include-path-regex', OPERATOR_ADMIN_PATHS], reportDir));
      } else {
        runs.push(await schemathesis(st, b.name, 'participant', url, await loginAtServer(server, participant), [], reportDir));
      }
    }
    const total = runs.reduce((t, r) => ({ operations: t.operations + r.operations, requests: t.requests + r.requests }), { operations: 0, requests: 0 });
    const failures = runs.flatMap((r) => r.failures);
    process.stdout.write(
      `schemathesis ${VERSIONS.schemathesis.release}: ${total.requests} requests over ${total.operations} operations of ${booted.length} services in ${Math.round((Date.now() - started) / 1000)} s ` +
        `(at most ${MAX_EXAMPLES} examples per operation, deterministic generation; ${runs.map((r) => `${r.service}/${r.identity} ${r.operations} ops ${r.requests} requests ${r.seconds} s`).join(', ')}); ` +
        `${failures.length} failed checks\n${failures.join('\n')}\n`,
    );
    expect(failures).toEqual([]);
    expect(runs.map((r) => r.exitCode)).toEqual(runs.map(() => 0));
    // It really ran over every service.
    expect(booted.map((b) => b.name)).toEqual(['marketplace', 'negotiation', 'provisioner', 'telemetry', 'mpc-coordinator', 'ledger-bridge']);
    for (const r of runs) expect(r.requests).toBeGreaterThan(r.operations);
    expect(total.operations).toBeGreaterThan(50);
  });
});
