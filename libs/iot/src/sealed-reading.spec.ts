import {
  generateReadingsKeyPair,
  isSealedReading,
  openReading,
  publicKeyBase64,
  readingsOpener,
  readingsPublicKeyPem,
  sealReading,
  SEALED_READING_CONTENT_TYPE,
  SEALED_READING_TYPE,
  type ReadingContext,
  type SealedReading,
} from './index';

const context: ReadingContext = { owner: 'DspMSP', dataset: 'readings', topic: 'datawell.member.DspMSP.readings.v1' };
const node = generateReadingsKeyPair();
const MARKER = 417.031337;

const flipByte = (b64: string, at: number): string => {
  const bytes = Buffer.from(b64, 'base64');
  bytes[at % bytes.length] ^= 0x01;
  return bytes.toString('base64');
};

async function openFails(privateKeyPem: string, sealed: unknown, ctx: ReadingContext, code: string): Promise<void> {
  await expect(openReading(privateKeyPem, sealed, ctx)).rejects.toMatchObject({ name: 'SealedReadingError', code });
}

describe('sealed readings (HPKE base mode, X25519 / HKDF-SHA256 / AES-256-GCM)', () => {
  it('round-trips a reading through the PEM and the base64 forms of the public key', async () => {
    const reading = { sensor: 'sensor-7', pm25: MARKER, ok: true };
    expect(await openReading(node.privateKeyPem, await sealReading(node.publicKeyPem, reading, context), context)).toEqual(reading);
    const b64 = publicKeyBase64(node.publicKeyPem);
    expect(b64).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(await openReading(node.privateKeyPem, await sealReading(b64, reading, context), context)).toEqual(reading);
    expect(readingsPublicKeyPem(node.privateKeyPem)).toBe(node.publicKeyPem);
  });

  it('is a CloudEvent of its own type with nothing of the reading in the clear', async () => {
    const sealed = await sealReading(node.publicKeyPem, { sensor: 'sensor-7', pm25: MARKER }, context);
    expect(sealed).toMatchObject({ specversion: '1.0', type: SEALED_READING_TYPE, datacontenttype: SEALED_READING_CONTENT_TYPE, source: '/datawell/iot' });
    expect(Object.keys(sealed).sort()).toEqual(['data', 'datacontenttype', 'id', 'source', 'specversion', 'type']);
    expect(Object.keys(sealed.data).sort()).toEqual(['ct', 'enc', 'suite']);
    const text = JSON.stringify(sealed);
    for (const leak of [String(MARKER), 'sensor-7', 'pm25', context.owner, context.dataset]) expect(text).not.toContain(leak);
    expect(isSealedReading(sealed)).toBe(true);
    expect(isSealedReading({ pm25: 1 })).toBe(false);
    // Every seal is a fresh encapsulation: the same reading twice gives unrelated ciphertexts.
    const again = await sealReading(node.publicKeyPem, { sensor: 'sensor-7', pm25: MARKER }, context);
    expect(again.data.enc).not.toBe(sealed.data.enc);
    expect(again.data.ct).not.toBe(sealed.data.ct);
  });

  it('pads, so values of different lengths give ciphertexts of one length', async () => {
    const short = await sealReading(node.publicKeyPem, { pm25: 1 }, context);
    const long = await sealReading(node.publicKeyPem, { pm25: 123456.789012 }, context);
    expect(Buffer.from(short.data.ct, 'base64').length).toBe(Buffer.from(long.data.ct, 'base64').length);
  });

  it('does not open with another node\'s key', async () => {
    const other = generateReadingsKeyPair();
    await openFails(other.privateKeyPem, await sealReading(node.publicKeyPem, { pm25: MARKER }, context), context, 'OPEN_FAILED');
  });

  it('does not open altered bytes: ciphertext, encapsulated key or id', async () => {
    const sealed = await sealReading(node.publicKeyPem, { pm25: MARKER }, context);
    for (const at of [0, 17, 63, 70]) await openFails(node.privateKeyPem, { ...sealed, data: { ...sealed.data, ct: flipByte(sealed.data.ct, at) } }, context, 'OPEN_FAILED');
    await openFails(node.privateKeyPem, { ...sealed, data: { ...sealed.data, enc: flipByte(sealed.data.enc, 5) } }, context, 'OPEN_FAILED');
    await openFails(node.privateKeyPem, { ...sealed, id: `${sealed.id}x` }, context, 'OPEN_FAILED');
    // A ciphertext cut or extended is not of a padded length: refused before any decryption; one
    // extended by a whole block is of a valid length and fails authentication.
    const ct = Buffer.from(sealed.data.ct, 'base64');
    await openFails(node.privateKeyPem, { ...sealed, data: { ...sealed.data, ct: ct.subarray(0, ct.length - 1).toString('base64') } }, context, 'NOT_SEALED');
    await openFails(node.privateKeyPem, { ...sealed, data: { ...sealed.data, ct: Buffer.concat([ct, Buffer.alloc(1)]).toString('base64') } }, context, 'NOT_SEALED');
    await openFails(node.privateKeyPem, { ...sealed, data: { ...sealed.data, ct: Buffer.concat([ct, Buffer.alloc(64)]).toString('base64') } }, context, 'OPEN_FAILED');
    // The untouched one still opens: the failures above are the alterations.
    expect(await openReading(node.privateKeyPem, sealed, context)).toEqual({ pm25: MARKER });
  });

  it('does not open for another context: a replay onto another dataset, topic or owner', async () => {
    const sealed = await sealReading(node.publicKeyPem, { pm25: MARKER }, context);
    await openFails(node.privateKeyPem, sealed, { ...context, dataset: 'other-readings' }, 'OPEN_FAILED');
    await openFails(node.privateKeyPem, sealed, { ...context, topic: 'datawell.member.DspMSP.other.v1' }, 'OPEN_FAILED');
    await openFails(node.privateKeyPem, sealed, { ...context, owner: 'OtherDspMSP' }, 'OPEN_FAILED');
    // Fields cannot be shifted across the boundary between them either (the info is canonical JSON).
    const a = await sealReading(node.publicKeyPem, { pm25: MARKER }, { owner: 'Dsp', dataset: 'MSP.r', topic: 't' });
    await openFails(node.privateKeyPem, a, { owner: 'DspMSP', dataset: '.r', topic: 't' }, 'OPEN_FAILED');
  });

  it('refuses what is not a sealed reading of this suite, naming no value', async () => {
    const sealed = await sealReading(node.publicKeyPem, { pm25: MARKER }, context);
    const notSealed: unknown[] = [
      { pm25: MARKER },
      { ...sealed, type: 'datawell.iot.reading.v1' },
      { ...sealed, datacontenttype: 'application/json' },
      { ...sealed, data: { ...sealed.data, suite: 'hpke-base/dhkem-p256-hkdf-sha256/hkdf-sha256/aes-128-gcm' } },
      { ...sealed, data: { ...sealed.data, enc: 'not base64!' } },
      { ...sealed, data: { ...sealed.data, enc: Buffer.alloc(31).toString('base64') } },
      { ...sealed, data: { enc: sealed.data.enc, suite: sealed.data.suite } },
      null,
      'text',
    ];
    for (const message of notSealed) {
      const error = await openReading(node.privateKeyPem, message, context).then(() => undefined, (e: Error) => e);
      expect(error).toMatchObject({ code: 'NOT_SEALED' });
      expect(error!.message).not.toContain(String(MARKER));
    }
  });

  it('checks keys, contexts and readings before sealing', async () => {
    await expect(sealReading('not a key', { pm25: 1 }, context)).rejects.toMatchObject({ code: 'KEY_INVALID' });
    await expect(sealReading(node.privateKeyPem, { pm25: 1 }, context)).rejects.toMatchObject({ code: 'KEY_INVALID' });
    const { publicKey } = await import('node:crypto').then((c) => c.generateKeyPairSync('ec', { namedCurve: 'P-256' }));
    await expect(sealReading(publicKey.export({ type: 'spki', format: 'pem' }) as string, { pm25: 1 }, context)).rejects.toMatchObject({ code: 'KEY_INVALID' });
    await expect(sealReading(node.publicKeyPem, { pm25: 1 }, { ...context, dataset: '' })).rejects.toMatchObject({ code: 'CONTEXT_INVALID' });
    await expect(sealReading(node.publicKeyPem, [1, 2] as never, context)).rejects.toMatchObject({ code: 'READING_INVALID' });
    await expect(sealReading(node.publicKeyPem, { blob: 'x'.repeat(5000) }, context)).rejects.toMatchObject({ code: 'READING_INVALID' });
    await expect(readingsOpener(node.publicKeyPem)).rejects.toMatchObject({ code: 'KEY_INVALID' });
  });

  it('opens many readings with one imported key and tells their ids', async () => {
    const opener = await readingsOpener(node.privateKeyPem);
    const sealed: SealedReading[] = await Promise.all([1, 2, 3].map((v) => sealReading(node.publicKeyPem, { v }, context)));
    const opened = await Promise.all(sealed.map((s) => opener.open(s, context)));
    expect(opened.map((o) => o.reading)).toEqual([{ v: 1 }, { v: 2 }, { v: 3 }]);
    expect(opened.map((o) => o.id)).toEqual(sealed.map((s) => s.id));
  });
});
