import { generateReadingsKeyPair, sealReading } from '@datawell/iot';
import { columnsFromCsv, columnsFromRecords, memberPrefixOf, openTopicReadings, type TopicMessage } from './dataset.adapter';

describe('dataset columns', () => {
  it('reads named CSV columns in header order', () => {
    expect(columnsFromCsv('t,y,x\n1,2.5,3\n4,-5,6\n', ['x', 'y'])).toEqual([[3, 6], [2.5, -5]]);
  });

  it('names the row and column of a bad cell, never its value', () => {
    expect(() => columnsFromCsv('y\n1\nsecret-value\n', ['y'])).toThrow(/^row 2: column y is not a number$/);
    let error: unknown;
    try {
      columnsFromRecords([{ y: 1 }, { y: 'secret-value' }], ['y']);
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code: 'DATASET_INVALID', message: 'row 2: column y is not a number' });
    expect(() => columnsFromCsv('a\n1\n', ['y'])).toThrow(/no column y/);
  });

  it('reads JSON records', () => {
    expect(columnsFromRecords([{ y: 1, x: '2' }, { y: 3, x: 4 }], ['y', 'x'])).toEqual([[1, 3], [2, 4]]);
  });
});

describe('sealed readings of a Kafka topic', () => {
  const node = generateReadingsKeyPair();
  const topic = 'datawell.member.DspMSP.readings.v1';
  const source = { topic, owner: 'DspMSP', keyPem: node.privateKeyPem };
  const context = { owner: 'DspMSP', dataset: 'readings', topic };
  const at = (i: number, value: unknown): TopicMessage => ({ at: `0:${i}`, json: true, value });
  const SECRET = 987.654321;

  const failure = (messages: TopicMessage[], name = 'readings', src = source) =>
    openTopicReadings(name, src, messages).then(
      () => undefined,
      (e: Error & { code?: string }) => e,
    );

  it('opens every reading sealed to the node for this dataset, a reading delivered twice once', async () => {
    const sealed = await Promise.all([1, 2, 3].map((pm25) => sealReading(node.publicKeyPem, { sensor: `s-${pm25}`, pm25 }, context)));
    const readings = await openTopicReadings('readings', source, [...sealed, sealed[1]].map((s, i) => at(i, s)));
    expect(columnsFromRecords(readings, ['pm25'])).toEqual([[1, 2, 3]]);
  });

  it('refuses a plain reading, naming its offset and never its value', async () => {
    const ok = await sealReading(node.publicKeyPem, { pm25: 1 }, context);
    const error = await failure([at(0, ok), at(1, { pm25: SECRET })]);
    expect(error).toMatchObject({ code: 'DATASET_INVALID', message: `message 0:1 of ${topic} is not a sealed reading: plain readings on Kafka are refused` });
    expect(error!.message).not.toContain(String(SECRET));
    expect(await failure([{ at: '1:7', json: false, value: undefined }])).toMatchObject({ message: `message 1:7 of ${topic} is not JSON` });
  });

  it("refuses a reading sealed to another node, for another dataset, or altered, naming its offset", async () => {
    const other = generateReadingsKeyPair();
    const cases: unknown[] = [
      await sealReading(other.publicKeyPem, { pm25: SECRET }, context),
      await sealReading(node.publicKeyPem, { pm25: SECRET }, { ...context, dataset: 'other' }),
      await sealReading(node.publicKeyPem, { pm25: SECRET }, { ...context, topic: 'datawell.member.DspMSP.other.v1' }),
    ];
    const altered = await sealReading(node.publicKeyPem, { pm25: SECRET }, context);
    const ct = Buffer.from(altered.data.ct, 'base64');
    ct[3] ^= 1;
    cases.push({ ...altered, data: { ...altered.data, ct: ct.toString('base64') } });
    for (const sealed of cases) {
      const error = await failure([at(5, sealed)]);
      expect(error).toMatchObject({ code: 'DATASET_INVALID', message: `message 0:5 of ${topic} is a sealed reading the node cannot open for dataset readings (OPEN_FAILED)` });
      expect(error!.message).not.toContain(String(SECRET));
    }
    // The same reading replayed onto another dataset of the same node does not open there either.
    const sealed = await sealReading(node.publicKeyPem, { pm25: SECRET }, context);
    expect(await failure([at(0, sealed)], 'archive')).toMatchObject({ code: 'DATASET_INVALID' });
  });

  it('refuses a key that is not an X25519 private key', async () => {
    expect(await failure([], 'readings', { ...source, keyPem: node.publicKeyPem })).toMatchObject({ code: 'DATASET_INVALID', message: "dataset readings: the node's readings key is not an X25519 private key" });
  });
});

describe("the node's consumer group on a member's topic", () => {
  it("sits under the member's prefix (the only groups its principal may use)", () => {
    expect(memberPrefixOf('datawell.member.AcmeDspMSP.readings.v1')).toBe('datawell.member.AcmeDspMSP.');
    expect(memberPrefixOf('acmedspmsp.dao-1.readings')).toBeUndefined();
    expect(memberPrefixOf('datawell.member.not-an-msp.readings.v1')).toBeUndefined();
  });
});
