import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import { computationParametersText, computationRequestSigningText } from '@datawell/domain/computation-request-signing';
import { ApiError } from './client';
import { importSigningKey } from '../auth/keyring';
import {
  columnsOf, computationPrecision, datasetChoice, datasetsOf, finished, FRACTIONAL_BITS, parseResult, parseResults, PRECISION_CHOICES, precisionOf, requestBody, requestSignature,
  type ComputationAsk,
} from './computations';

const kept = { daoId: 'd1', version: 1, jobId: 'cmp-1', computation: 'mean', members: ['ADspMSP', 'BVspMSP'], resultDigest: 'ab'.repeat(32), txId: 'tx1', recordedAtMs: 1_700_000_000_000 };

describe("a member's results as its own bridge answers them", () => {
  it('keeps the fields the page shows of a list and of one result with its values', () => {
    expect(parseResults([kept])).toEqual([{ jobId: 'cmp-1', computation: 'mean', members: ['ADspMSP', 'BVspMSP'], resultDigest: 'ab'.repeat(32), txId: 'tx1', recordedAtMs: 1_700_000_000_000, version: 1 }]);
    expect(parseResult({ ...kept, result: { n: 12, mean: 3.5, coefficients: [1, 2] } }).result).toEqual({ n: 12, mean: 3.5, coefficients: [1, 2] });
  });

  it('refuses an answer that is not one (an error on the page, not a cast)', () => {
    expect(() => parseResults({ results: [kept] })).toThrow('not a list');
    expect(() => parseResults([{ ...kept, txId: 7 }])).toThrow(ApiError);
    expect(() => parseResults([{ ...kept, members: 'ADspMSP' }])).toThrow('no list of members');
    expect(() => parseResult(kept)).toThrow('no values');
    expect(() => parseResult({ ...kept, result: [1, 2] })).toThrow('no values');
    expect(() => parseResult({ ...kept, result: { mean: '3.5' } })).toThrow('not a number');
    expect(() => parseResult({ ...kept, result: { xs: [1, 'x'] } })).toThrow('not a number');
  });
});

describe('asking for a computation', () => {
  it('takes the columns as typed, comma-separated, without blanks', () => {
    expect(columnsOf(' pm25 , temperature,, ')).toEqual(['pm25', 'temperature']);
    expect(() => columnsOf(' , ')).toThrow(expect.objectContaining({ status: 400, code: 'INVALID_REQUEST' }));
  });

  it('stops following a computation once it completed or failed', () => {
    expect(['queued', 'running', 'completed', 'failed'].map(finished)).toEqual([false, false, true, true]);
  });
});

describe('the datasets a version names (its infrastructure)', () => {
  const node = (owner: string, datasets?: unknown) => ({ name: `${owner.toLowerCase()}-node`, owner, placement: 'managed', kind: 'mpc-node', ...(datasets === undefined ? {} : { parameters: { datasets } }) });

  it("lists each workload's datasets under its owner, once each, by owner then name", () => {
    const infrastructure = {
      workloads: [
        node('BDspMSP', { readings: { topic: 't' }, buoys: { file: '/b.csv' } }),
        node('AVspMSP'),
        node('ADspMSP', { meters: { file: '/m.csv' } }),
        { ...node('BDspMSP', { readings: { file: '/again.csv' } }), name: 'b-node2' },
      ],
    };
    expect(datasetsOf(infrastructure)).toEqual([
      { owner: 'ADspMSP', name: 'meters' },
      { owner: 'BDspMSP', name: 'buoys' },
      { owner: 'BDspMSP', name: 'readings' },
    ]);
  });

  it('finds none where the version names none or its infrastructure is not a spec', () => {
    expect(datasetsOf({ workloads: [node('ADspMSP'), node('BVspMSP', {})] })).toEqual([]);
    for (const odd of [undefined, null, 'spec', [], { workloads: 'x' }, { workloads: [null, 7, { owner: 3, parameters: { datasets: { a: 1 } } }, node('ADspMSP', ['a']), node('ADspMSP', 'a')] }]) {
      expect(datasetsOf(odd)).toEqual([]);
    }
  });

  it("offers the chosen owner's datasets, keeping the one picked while it is offered, else the first", () => {
    const datasets = [
      { owner: 'ADspMSP', name: 'meters' },
      { owner: 'BDspMSP', name: 'buoys' },
      { owner: 'BDspMSP', name: 'readings' },
    ];
    expect(datasetChoice(datasets, 'BDspMSP', '')).toEqual({ names: ['buoys', 'readings'], chosen: 'buoys' });
    expect(datasetChoice(datasets, 'BDspMSP', 'readings')).toEqual({ names: ['buoys', 'readings'], chosen: 'readings' });
    // Picked under another owner (or version): not offered here, so the first.
    expect(datasetChoice(datasets, 'ADspMSP', 'readings')).toEqual({ names: ['meters'], chosen: 'meters' });
    expect(datasetChoice(datasets, 'CDspMSP', 'meters')).toEqual({ names: [], chosen: undefined });
    expect(datasetChoice(datasets, undefined, '')).toEqual({ names: [], chosen: undefined });
  });
});

describe("a computation request's signature, made in the page", () => {
  it("signs computationRequestSigningText (v2: owner and parameters' digest) with the signed-in identity's key (ECDSA-SHA256, DER base64), as the nodes verify it", async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const key = await importSigningKey(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const ask = { daoId: 'd1', version: 2, computation: 'mean', dataset: ' readings ', owner: 'ADspMSP', columns: ['pm25'], recipients: ['BVspMSP', 'ADspMSP'], requestId: 'req-1', precision: 'fxp32' as const };
    const signed = await requestSignature({ key, certificatePem: 'PEM', mspId: 'BVspMSP' }, ask, 1_800_000_000_000);
    expect(signed).toMatchObject({ issuedAtMs: 1_800_000_000_000, certificatePem: 'PEM' });
    // parametersDigest of libs/contracts: SHA-256 (hex) of computationParametersText, the page's WebCrypto digest must be the same.
    const digest = (columns: string[], fractionalBits = FRACTIONAL_BITS) => createHash('sha256').update(computationParametersText({ columns, fractionalBits })).digest('hex');
    const text = (over: Partial<Parameters<typeof computationRequestSigningText>[0]> = {}) =>
      Buffer.from(
        computationRequestSigningText({ requestId: 'req-1', daoId: 'd1', version: 2, computation: 'mean', dataset: 'readings', owner: 'ADspMSP', parametersDigest: digest(['pm25']), recipients: ['ADspMSP', 'BVspMSP'], requester: 'BVspMSP', issuedAtMs: 1_800_000_000_000, ...over }),
      );
    const signature = Buffer.from(signed.signature, 'base64');
    expect(signature[0]).toBe(0x30); // DER, not IEEE P1363
    expect(verify('sha256', text(), publicKey, signature)).toBe(true);
    expect(verify('sha256', text({ recipients: ['BVspMSP'] }), publicKey, signature)).toBe(false);
    expect(verify('sha256', text({ requester: 'ADspMSP' }), publicKey, signature)).toBe(false);
    expect(verify('sha256', text({ owner: 'CDspMSP' }), publicKey, signature)).toBe(false);
    expect(verify('sha256', text({ parametersDigest: digest(['pm10']) }), publicKey, signature)).toBe(false);
    expect(verify('sha256', text({ parametersDigest: digest(['pm25'], 8) }), publicKey, signature)).toBe(false);
  });
});

describe("a computation's precision (docs/mpc.md: fxp32, two limbs, the default; fxp16, one limb)", () => {
  const ask: ComputationAsk = { daoId: 'd1', version: 2, computation: 'variance', dataset: ' readings ', owner: 'ADspMSP', columns: ' pm25 ', recipients: ['BVspMSP'], requestId: 'req-2', precision: 'fxp16' };
  const signed = { issuedAtMs: 1_800_000_000_000, certificatePem: 'PEM', signature: 'c2ln' };

  it('offers fxp32 first, as the default, then fxp16, and takes anything else as the default', () => {
    expect(PRECISION_CHOICES.map((c) => c.value)).toEqual(['fxp32', 'fxp16']);
    expect(PRECISION_CHOICES[0]!.label).toContain('default');
    expect(['fxp16', 'fxp32', 'fxp64', '', undefined].map(precisionOf)).toEqual(['fxp16', 'fxp32', 'fxp32', 'fxp32', 'fxp32']);
  });

  it('sends the chosen precision as parameters.precision, beside the columns and the fractional bits', () => {
    const body = requestBody(ask, columnsOf(ask.columns), signed);
    expect(body).toEqual({
      ...signed,
      daoId: 'd1',
      version: 2,
      computation: 'variance',
      parameters: { columns: ['pm25'], fractionalBits: FRACTIONAL_BITS, precision: 'fxp16' },
      dataset: { name: 'readings', owner: 'ADspMSP' },
      recipients: ['BVspMSP'],
      requestId: 'req-2',
    });
    expect(requestBody({ ...ask, precision: 'fxp32' }, ['pm25'], signed).parameters.precision).toBe('fxp32');
  });

  it("signs fxp16 inside the parameters' digest, and fxp32 as the digest a request without a precision had", async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const key = await importSigningKey(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const digest = (precision?: string) =>
      createHash('sha256')
        .update(computationParametersText({ columns: ['pm25'], fractionalBits: FRACTIONAL_BITS, ...(precision ? { precision } : {}) }))
        .digest('hex');
    const text = (parametersDigest: string) =>
      Buffer.from(computationRequestSigningText({ requestId: 'req-2', daoId: 'd1', version: 2, computation: 'variance', dataset: 'readings', owner: 'ADspMSP', parametersDigest, recipients: ['BVspMSP'], requester: 'BVspMSP', issuedAtMs: 1_800_000_000_000 }));
    const signer = { key, certificatePem: 'PEM', mspId: 'BVspMSP' };
    const fxp16 = Buffer.from((await requestSignature(signer, { ...ask, columns: ['pm25'] }, 1_800_000_000_000)).signature, 'base64');
    expect(verify('sha256', text(digest('fxp16')), publicKey, fxp16)).toBe(true);
    expect(verify('sha256', text(digest()), publicKey, fxp16)).toBe(false);
    const fxp32 = Buffer.from((await requestSignature(signer, { ...ask, precision: 'fxp32', columns: ['pm25'] }, 1_800_000_000_000)).signature, 'base64');
    expect(verify('sha256', text(digest()), publicKey, fxp32)).toBe(true);
    expect(verify('sha256', text(digest('fxp16')), publicKey, fxp32)).toBe(false);
  });

  it("shows a computation's precision as the coordinator reports its parameters, the default when it names none", () => {
    expect(computationPrecision({ parameters: { columns: ['pm25'], fractionalBits: 16, precision: 'fxp16' } })).toBe('fxp16');
    expect(computationPrecision({ parameters: { columns: ['pm25'], fractionalBits: 16 } })).toBe('fxp32');
  });
});
