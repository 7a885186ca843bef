import * as grpc from '@grpc/grpc-js';
import { loadGrpcService } from '@datawell/service-platform';
import { UsageError } from '../usage-error';
import { describeEntry, usagePath } from './usage';
import { getUsageOverGrpc, LEDGER_BRIDGE_PROTO, LEDGER_BRIDGE_SERVICE, trailOfMessage, usageRequest } from './usage-grpc';
import { expectBadInput, runCli } from './cli-child.spec-helper';

// The real CLI in a child process, as `./dev usage …` runs it: bad input is refused before any bridge is asked.
// Eight CLIs start at once (each loads the TypeScript register): minutes on a loaded machine, not a measure of anything.
jest.setTimeout(180_000);

const run = (...args: string[]) => runCli('usage', ...args);

describe('./dev usage: bad input exits 2 with one line, before any bridge is asked', () => {
  test.concurrent.each([
    [['--dao', 'd1', '--as', 'AcmeMSP'], /required option '--dataset <name>'/],
    [['--dataset', 'readings', '--as', 'AcmeMSP'], /required option '--dao <daoId>'/],
    [['--dataset', '../etc', '--dao', 'd1', '--as', 'AcmeMSP'], /--dataset must be a dataset name/],
    [['--dataset', 'readings', '--dao', 'D_1', '--as', 'AcmeMSP'], /--dao must be a DAO id/],
    [['--dataset', 'readings', '--dao', 'd1', '--as', 'acme'], /--as must be an MSP id/],
    [['--dataset', 'readings', '--dao', 'd1', '--as', 'AcmeMSP', '--version', '0'], /--version must be a whole number 1-9999/],
    [['--grpc', '--dataset', 'readings', '--dao', 'D_1', '--as', 'AcmeMSP'], /--dao must be a DAO id/],
    [['--grpc', '--dataset', 'readings', '--dao', 'd1', '--as', 'AcmeMSP', '--version', '10000'], /--version must be a whole number 1-9999/],
  ])('%j', async (args, message) => {
    const r = await run(...args);
    expectBadInput(r, message);
  });
});

describe('./dev usage: what it asks and prints', () => {
  it("asks the member's bridge for the dataset's trail in the DAO (one version when given)", () => {
    expect(usagePath({ dataset: 'readings', dao: 'acme', as: 'AcmeMSP' })).toBe('/datasets/readings/usage?daoId=acme');
    expect(usagePath({ dataset: 'readings', dao: 'acme', as: 'AcmeMSP', version: '2' })).toBe('/datasets/readings/usage?daoId=acme&version=2');
  });

  it('prints an entry with its time, version, transaction, requester and outcome', () => {
    const base = { usageId: 'u', dataset: { owner: 'AcmeMSP', name: 'readings' }, computation: 'mean', parametersDigest: 'ab'.repeat(32), recipients: ['VspMSP'], recordedBy: 'AcmeMSP', atMs: Date.UTC(2026, 0, 1), txId: 'tx1', version: 1, channel: 'dao-acme-v1' };
    expect(describeEntry({ ...base, requester: { mspId: 'VspMSP', enrollmentId: 'ana' }, outcome: 'granted', rows: 5, resultDigest: 'cd'.repeat(32) })).toBe(
      '2026-01-01T00:00:00.000Z  v1  tx tx1\n  VspMSP/ana asked for mean of AcmeMSP/readings to VspMSP; granted: 5 rows, result cdcdcdcdcdcd…',
    );
    expect(describeEntry({ ...base, requester: { mspId: 'OtherMSP' }, recipients: [], outcome: 'refused', check: 'requester-member' })).toMatch(/OtherMSP asked for mean of AcmeMSP\/readings to -; refused by requester-member$/);
    expect(describeEntry({ ...base, requester: { mspId: 'VspMSP' }, outcome: 'failed', failure: 'NODES_INCOMPLETE' })).toMatch(/; failed: NODES_INCOMPLETE$/);
  });
});

describe('./dev usage --grpc: GetUsage on the bridge\'s gRPC, printed as the HTTP answer', () => {
  // An in-process server of the same proto, loaded as the bridges load it (loadGrpcService), answering
  // what the bridge's handler sends (proto field names, unset optionals left out) or refusing as the
  // platform's server does (a status, the message as details, the stable code as `datawell-code`).
  const TOKEN = 'token-of-owner';
  const granted = { usage_id: 'c1', dataset: { owner: 'AcmeMSP', name: 'readings' }, requester: { msp_id: 'VspMSP', enrollment_id: 'ana' }, computation: 'mean', parameters_digest: 'ab'.repeat(32), recipients: ['VspMSP'], outcome: 'granted', rows: 5, result_digest: 'cd'.repeat(32), recorded_by: 'AcmeMSP', at_ms: Date.UTC(2026, 0, 1), tx_id: 'tx1', version: 1, channel: 'dao-acme-v1' };
  const refused = { usage_id: 'r1', dataset: { owner: 'AcmeMSP', name: 'readings' }, requester: { msp_id: 'OtherMSP' }, computation: 'sum', parameters_digest: 'ef'.repeat(32), recipients: [], outcome: 'refused', check: 'requester-member', recorded_by: 'AcmeMSP', at_ms: Date.UTC(2026, 0, 2), tx_id: 'tx2', version: 2, channel: 'dao-acme-v2' };
  const asked: Array<Record<string, unknown>> = [];
  let server: grpc.Server;
  let address: string;

  beforeAll(async () => {
    server = new grpc.Server();
    server.addService(loadGrpcService(LEDGER_BRIDGE_PROTO, LEDGER_BRIDGE_SERVICE), {
      GetUsage: (call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>, done: grpc.sendUnaryData<unknown>) => {
        asked.push(call.request);
        const refuse = (code: grpc.status, datawellCode: string, details: string) => {
          const metadata = new grpc.Metadata();
          metadata.set('datawell-code', datawellCode);
          done({ code, details, metadata });
        };
        if (call.metadata.get('authorization')[0] !== `Bearer ${TOKEN}`) return refuse(grpc.status.PERMISSION_DENIED, 'FORBIDDEN', 'an identity of another organisation');
        if (call.request['dao_id'] === 'bad-request') return refuse(grpc.status.INVALID_ARGUMENT, 'INVALID_REQUEST', 'daoId: malformed');
        if (call.request['dao_id'] === 'nowhere') return refuse(grpc.status.NOT_FOUND, 'VERSION_NOT_FOUND', 'no version of DAO nowhere on this peer');
        done(null, { dao_id: call.request['dao_id'], dataset: call.request['dataset'], entries: [granted, refused] });
      },
    });
    const port = await new Promise<number>((ok, fail) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? fail(e) : ok(p))));
    address = `127.0.0.1:${port}`;
  });

  afterAll(() => server?.forceShutdown());

  it('asks with the checked command line as a GetUsageRequest (the version only when given)', () => {
    expect(usageRequest({ dataset: 'readings', dao: 'acme', as: 'AcmeMSP' })).toEqual({ dataset: 'readings', dao_id: 'acme' });
    expect(usageRequest({ dataset: 'readings', dao: 'acme', as: 'AcmeMSP', version: '2' })).toEqual({ dataset: 'readings', dao_id: 'acme', version: 2 });
  });

  it("sends the token as bearer metadata and gives the HTTP route's answer: camelCase, numbers, optionals only where set", async () => {
    asked.length = 0;
    const trail = await getUsageOverGrpc('AcmeMSP', address, TOKEN, usageRequest({ dataset: 'readings', dao: 'acme', as: 'AcmeMSP', version: '2' }));
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({ dataset: 'readings', dao_id: 'acme', version: 2 });
    expect(trail).toEqual({
      daoId: 'acme',
      dataset: 'readings',
      entries: [
        { usageId: 'c1', dataset: { owner: 'AcmeMSP', name: 'readings' }, requester: { mspId: 'VspMSP', enrollmentId: 'ana' }, computation: 'mean', parametersDigest: 'ab'.repeat(32), recipients: ['VspMSP'], outcome: 'granted', rows: 5, resultDigest: 'cd'.repeat(32), recordedBy: 'AcmeMSP', atMs: Date.UTC(2026, 0, 1), txId: 'tx1', version: 1, channel: 'dao-acme-v1' },
        { usageId: 'r1', dataset: { owner: 'AcmeMSP', name: 'readings' }, requester: { mspId: 'OtherMSP' }, computation: 'sum', parametersDigest: 'ef'.repeat(32), recipients: [], outcome: 'refused', check: 'requester-member', recordedBy: 'AcmeMSP', atMs: Date.UTC(2026, 0, 2), txId: 'tx2', version: 2, channel: 'dao-acme-v2' },
      ],
    });
    // Printed as the HTTP path prints it.
    expect(trail.entries.map(describeEntry)[1]).toMatch(/^2026-01-02T00:00:00.000Z  v2  tx tx2\n  OtherMSP asked for sum of AcmeMSP\/readings to -; refused by requester-member$/);
    // An unset version is not sent as 0 (which the bridge would refuse).
    asked.length = 0;
    await getUsageOverGrpc('AcmeMSP', address, TOKEN, usageRequest({ dataset: 'readings', dao: 'acme', as: 'AcmeMSP' }));
    expect(asked[0]?.['version'] ?? undefined).toBeUndefined();
  });

  it('turns an empty trail into no entries', () => {
    expect(trailOfMessage({ dao_id: 'acme', dataset: 'readings', entries: [] })).toEqual({ daoId: 'acme', dataset: 'readings', entries: [] });
  });

  it("reports a refusal with its datawell-code and message: INVALID_REQUEST as bad input, the rest as failures; no server as UNAVAILABLE", async () => {
    const fails = (dao: string, token = TOKEN, at = address) => getUsageOverGrpc('AcmeMSP', at, token, { dataset: 'readings', dao_id: dao }, 10_000).then(() => undefined, (e: unknown) => e as Error);
    const forbidden = await fails('acme', 'another');
    expect(forbidden).not.toBeInstanceOf(UsageError);
    expect(forbidden?.message).toBe("AcmeMSP's bridge (gRPC): FORBIDDEN: an identity of another organisation");
    expect((await fails('nowhere'))?.message).toBe("AcmeMSP's bridge (gRPC): VERSION_NOT_FOUND: no version of DAO nowhere on this peer");
    const invalid = await fails('bad-request');
    expect(invalid).toBeInstanceOf(UsageError);
    expect(invalid?.message).toBe("AcmeMSP's bridge (gRPC): INVALID_REQUEST: daoId: malformed");
    // A port nobody serves: the status name stands in for the code.
    const closed = new grpc.Server();
    const port = await new Promise<number>((ok, fail) => closed.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? fail(e) : ok(p))));
    closed.forceShutdown();
    const unavailable = await fails('acme', TOKEN, `127.0.0.1:${port}`);
    expect(unavailable?.message).toMatch(/^AcmeMSP's bridge \(gRPC\): UNAVAILABLE: /);
  });
});
