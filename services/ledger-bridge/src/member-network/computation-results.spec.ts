import { resultDigest } from '@datawell/contracts';
import type { Principal } from '@datawell/auth';
import type { MemberLedger } from '../admin/member-dao';
import type { ResultStore, StoredResult } from './computation-results.repository';
import { MemberResults } from './computation-results';

const principal = (mspId: string): Principal => ({ mspId, enrollmentId: 'mpc-node', role: 'VSP', certificateFingerprint: 'ab' });
const result = { mean: 12.5, counts: [1, 2, 3] };
const usageFields = { requester: { mspId: 'AcmeMSP', enrollmentId: 'acme-analyst' }, dataset: { owner: 'DspMSP', name: 'readings' }, parametersDigest: 'ef'.repeat(32), rows: 500, recipients: ['AcmeMSP'] };
const delivered = (over: Record<string, unknown> = {}) => ({ computation: 'mean', members: ['DspMSP', 'AcmeMSP'], result, resultDigest: resultDigest(result), ...usageFields, ...over });
/** RecordUsage's argument for comp-1's granted entry. */
const grantedEntry = (jobId = 'comp-1') =>
  JSON.stringify({ usageId: jobId, dataset: usageFields.dataset, requester: usageFields.requester, computation: 'mean', parametersDigest: usageFields.parametersDigest, recipients: ['AcmeMSP'], outcome: 'granted', rows: 500, resultDigest: resultDigest(result) });

/** An in-memory result store (unit tests only). */
function memoryStore(): ResultStore & { rows: StoredResult[] } {
  const rows: StoredResult[] = [];
  return {
    rows,
    get: async (d, v, j) => rows.find((r) => r.daoId === d && r.version === v && r.jobId === j),
    keep: async (r) => {
      const found = rows.find((x) => x.daoId === r.daoId && x.version === r.version && x.jobId === r.jobId);
      if (found) return found;
      const row = { ...r, recordedAtMs: 1000 + rows.length };
      rows.push(row);
      return row;
    },
    list: async (d, v) => rows.filter((r) => r.daoId === d && r.version === v).map(({ result: _r, ...rest }) => rest),
  };
}

/** A chaincode refusal as the gateway reports it: the code in an endorsement detail. */
const refusal = (text: string) => Object.assign(new Error('10 ABORTED: failed to endorse transaction'), { code: 10, details: [{ message: `chaincode response 500, ${text}` }] });

function setup(submit: (channel: string, fn: string, args: readonly string[]) => Promise<{ txId: string }> = async () => ({ txId: 'tx1' }), version: () => Promise<string> = async () => '{}') {
  const submitted: string[] = [];
  const ledger: MemberLedger = {
    mspId: 'AcmeMSP',
    evaluate: async (_as, _channel, _chaincode, fn) => (fn === 'GetVersion' ? version() : '{}'),
    submit: async (channel, chaincode, fn, args) => {
      submitted.push(`${channel} ${chaincode} ${fn} ${args.join(' ')}`);
      return submit(channel, fn, args);
    },
    channels: async () => ['marketplace', 'dao-acme-v1', 'dao-acme-v2'],
  };
  const store = memoryStore();
  return { results: new MemberResults(ledger, store), store, submitted };
}

describe("a member bridge's results of computations, delivered by its own node", () => {
  it('records ComputationCompleted as the member on the version\'s channel, keeps the result, and reads it back (the list without values)', async () => {
    const { results, store, submitted } = setup();
    const { result: kept, created } = await results.record(principal('AcmeMSP'), 'acme', '2', 'comp-1', delivered());
    expect(created).toBe(true);
    // ComputationCompleted first, then the granted request's usage entry, as the recipient.
    expect(submitted).toEqual([`dao-acme-v2 dao ComputationCompleted ${JSON.stringify({ jobId: 'comp-1', computation: 'mean', members: ['DspMSP', 'AcmeMSP'], resultDigest: resultDigest(result) })}`, `dao-acme-v2 dao RecordUsage ${grantedEntry()}`]);
    expect(kept).toEqual({ daoId: 'acme', version: 2, jobId: 'comp-1', computation: 'mean', members: ['DspMSP', 'AcmeMSP'], result, resultDigest: resultDigest(result), txId: 'tx1', recordedAtMs: 1000 });
    await expect(results.get(principal('AcmeMSP'), 'acme', 2, 'comp-1')).resolves.toEqual(kept);
    await expect(results.list(principal('AcmeMSP'), 'acme', '2')).resolves.toEqual([{ daoId: 'acme', version: 2, jobId: 'comp-1', computation: 'mean', members: ['DspMSP', 'AcmeMSP'], resultDigest: resultDigest(result), txId: 'tx1', recordedAtMs: 1000 }]);
    expect(store.rows).toHaveLength(1);
  });

  it('answers a repeat with the same digest with what is kept (no second transaction), another digest RESULT_CONFLICT', async () => {
    const { results, submitted } = setup();
    await results.record(principal('AcmeMSP'), 'acme', '2', 'comp-1', delivered());
    await expect(results.record(principal('AcmeMSP'), 'acme', '2', 'comp-1', delivered())).resolves.toMatchObject({ created: false, result: { txId: 'tx1' } });
    const other = { mean: 13 };
    await expect(results.record(principal('AcmeMSP'), 'acme', '2', 'comp-1', delivered({ result: other, resultDigest: resultDigest(other) }))).rejects.toMatchObject({ code: 'RESULT_CONFLICT', status: 409 });
    expect(submitted).toHaveLength(2);
  });

  it('refuses a digest that is not the result\'s (RESULT_DIGEST_MISMATCH) and a malformed body (INVALID_REQUEST), before the ledger', async () => {
    const { results, submitted, store } = setup();
    await expect(results.record(principal('AcmeMSP'), 'acme', '2', 'comp-1', delivered({ resultDigest: 'ab'.repeat(32) }))).rejects.toMatchObject({ code: 'RESULT_DIGEST_MISMATCH', status: 400 });
    for (const bad of [delivered({ rows: -1 }), delivered({ requester: { mspId: 'AcmeMSP', enrollmentId: 'no spaces' } }), delivered({ dataset: { owner: 'DspMSP', name: '../x' } }), delivered({ parametersDigest: 'nope' }), delivered({ recipients: [] }), delivered({ requester: undefined }), delivered({ resultDigest: 'xyz' }), delivered({ members: ['not-an-msp'] }), delivered({ result: { mean: 'twelve' } }), delivered({ result: {} }), { ...delivered(), extra: 1 }]) {
      await expect(results.record(principal('AcmeMSP'), 'acme', '2', 'comp-1', bad)).rejects.toMatchObject({ code: 'INVALID_REQUEST', status: 400 });
    }
    await expect(results.record(principal('AcmeMSP'), 'acme', '2', 'bad job id!', delivered())).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    expect(submitted).toEqual([]);
    expect(store.rows).toEqual([]);
  });

  it("refuses another organisation's identity (FORBIDDEN), on every route", async () => {
    const { results, submitted } = setup();
    await expect(results.record(principal('DspMSP'), 'acme', '2', 'comp-1', delivered())).rejects.toMatchObject({ code: 'FORBIDDEN', status: 403 });
    await expect(results.get(principal('OperatorMSP'), 'acme', '2', 'comp-1')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(results.list(principal('DspMSP'), 'acme', '2')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(submitted).toEqual([]);
  });

  it("keeps nothing when the ledger refuses: the chaincode's other digest is RESULT_CONFLICT, its other refusals LEDGER_REJECTED, an outage LEDGER_UNAVAILABLE", async () => {
    const cases: [Error, string, number][] = [
      [refusal('CONFLICT: job comp-1 is already recorded with another result'), 'RESULT_CONFLICT', 409],
      [refusal('FORBIDDEN: computation mean is not allowed by the terms of this version'), 'LEDGER_REJECTED', 422],
      [refusal('INVALID_ARGUMENT: job.members: OutsiderMSP is not an active member'), 'LEDGER_REJECTED', 422],
      [Object.assign(new Error('14 UNAVAILABLE: connect ECONNREFUSED'), { code: 14 }), 'LEDGER_UNAVAILABLE', 503],
    ];
    for (const [error, code, status] of cases) {
      const { results, store } = setup(async () => {
        throw error;
      });
      await expect(results.record(principal('AcmeMSP'), 'acme', '2', 'comp-1', delivered())).rejects.toMatchObject({ code, status });
      expect(store.rows).toEqual([]);
    }
  });

  it('answers VERSION_NOT_FOUND where the member is not in the version, RESULT_NOT_FOUND for a result it does not keep', async () => {
    const { results, submitted } = setup();
    await expect(results.record(principal('AcmeMSP'), 'acme', '3', 'comp-1', delivered())).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND', status: 404 });
    await expect(results.get(principal('AcmeMSP'), 'acme', '2', 'comp-9')).rejects.toMatchObject({ code: 'RESULT_NOT_FOUND', status: 404 });
    expect(submitted).toEqual([]);
  });

  it('finishes a delivery retried after a partial success: ComputationCompleted recorded, RecordUsage not — the retry records the usage entry once and keeps the result', async () => {
    let usageDown = true;
    const { results, store, submitted } = setup(async (_channel, fn) => {
      if (fn === 'RecordUsage' && usageDown) throw Object.assign(new Error('14 UNAVAILABLE: connect ECONNREFUSED'), { code: 14 });
      return { txId: fn === 'RecordUsage' ? 'txusage' : `tx${submitted.length}` };
    });
    await expect(results.record(principal('AcmeMSP'), 'acme', '2', 'comp-1', delivered())).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE', status: 503 });
    expect(store.rows).toEqual([]); // nothing kept: the retry must do the rest
    usageDown = false;
    const { result: kept, created } = await results.record(principal('AcmeMSP'), 'acme', '2', 'comp-1', delivered());
    expect(created).toBe(true);
    expect(kept.txId).toBe('tx3'); // the retried ComputationCompleted (the chaincode answered it with what is recorded)
    expect(submitted.map((x) => x.split(' ')[2])).toEqual(['ComputationCompleted', 'RecordUsage', 'ComputationCompleted', 'RecordUsage']);
    expect(submitted[3]).toBe(`dao-acme-v2 dao RecordUsage ${grantedEntry()}`);
    // Once kept, a further retry submits nothing.
    await results.record(principal('AcmeMSP'), 'acme', '2', 'comp-1', delivered());
    expect(submitted).toHaveLength(4);
  });

  it("keeps nothing when the chaincode refuses the usage entry: another entry under the job id is USAGE_CONFLICT, a refusal LEDGER_REJECTED", async () => {
    const cases: [Error, string, number][] = [
      [refusal('CONFLICT: usage comp-1 of dataset readings is already recorded otherwise'), 'USAGE_CONFLICT', 409],
      [refusal("FORBIDDEN: usage.recipients: computation mean goes to DspMSP by the terms"), 'LEDGER_REJECTED', 422],
    ];
    for (const [error, code, status] of cases) {
      const { results, store } = setup(async (_channel, fn) => {
        if (fn === 'RecordUsage') throw error;
        return { txId: 'tx1' };
      });
      await expect(results.record(principal('AcmeMSP'), 'acme', '2', 'comp-1', delivered())).rejects.toMatchObject({ code, status });
      expect(store.rows).toEqual([]);
    }
  });

  describe('metering (pay-per-use)', () => {
    const terms = (t: Record<string, unknown>) => async () => JSON.stringify({ version: 2, terms: t });

    it('meters the job at the terms\' price, as the member, after the usage entry and before keeping the result', async () => {
      const { results, store, submitted } = setup(undefined, terms({ businessModel: 'pay-per-use', price: { currency: 'EUR', perComputation: '2500' } }));
      await results.record(principal('AcmeMSP'), 'acme', '2', 'comp-1', delivered());
      expect(submitted.map((x) => x.split(' ').slice(0, 3).join(' '))).toEqual(['dao-acme-v2 dao ComputationCompleted', 'dao-acme-v2 dao RecordUsage', 'dao-acme-v2 dao MeterComputation']);
      expect(submitted[2]).toBe('dao-acme-v2 dao MeterComputation comp-1');
      expect(store.rows).toHaveLength(1);
    });

    it.each([
      ['a subscription', { businessModel: 'subscription', price: { currency: 'EUR', perPeriod: { amount: '100', periodDays: 30 } } }],
      ['pay-per-use without a price', { businessModel: 'pay-per-use' }],
      ['a price of periods only', { businessModel: 'pay-per-use', price: { currency: 'EUR' } }],
    ])('does not ask on %s', async (_, t) => {
      const { results, store, submitted } = setup(undefined, terms(t));
      await results.record(principal('AcmeMSP'), 'acme', '2', 'comp-1', delivered());
      expect(submitted.map((x) => x.split(' ')[2])).toEqual(['ComputationCompleted', 'RecordUsage']);
      expect(store.rows).toHaveLength(1);
    });

    it('keeps nothing when metering is refused or the ledger cannot be read, and a retried delivery meters then keeps', async () => {
      let refuse = true;
      const { results, store, submitted } = setup(async (_c, fn) => {
        if (fn === 'MeterComputation' && refuse) throw refusal('FORBIDDEN: AcmeMSP is not an active member');
        return { txId: 'tx1' };
      }, terms({ businessModel: 'pay-per-use', price: { currency: 'EUR', perComputation: '2500' } }));
      await expect(results.record(principal('AcmeMSP'), 'acme', '2', 'comp-1', delivered())).rejects.toMatchObject({ code: 'LEDGER_REJECTED' });
      expect(store.rows).toEqual([]);
      refuse = false;
      await expect(results.record(principal('AcmeMSP'), 'acme', '2', 'comp-1', delivered())).resolves.toMatchObject({ created: true });
      expect(submitted.filter((x) => x.includes('MeterComputation'))).toHaveLength(2);
      expect(store.rows).toHaveLength(1);

      const unreadable = setup(undefined, async () => {
        throw Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14 });
      });
      await expect(unreadable.results.record(principal('AcmeMSP'), 'acme', '2', 'comp-1', delivered())).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE' });
      expect(unreadable.store.rows).toEqual([]);
    });
  });
});
