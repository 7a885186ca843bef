import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import type { ServiceSpec } from '@datawell/contracts';
import { ConfigError } from './config-error';
import { defineService } from './extension';
import { createKafka } from './kafka-client';
import { loadServiceConfig } from './load-config';
import { isSealedTraffic, newTrafficKeyBytes, openTraffic, readTrafficKeyFile, sealTraffic, TrafficKey, TrafficSealError } from './traffic-key';

const TOPIC = 'datawell.member.AcmeMSP.ledger.commands.v1';
const PLAIN = JSON.stringify({ betaPpm: 734_215, amount: '98127364', members: ['AcmeMSP', 'OtherMSP'] });
const binding = { topic: TOPIC, key: 'dao-1', headers: { ce_id: 'ev-1', ce_type: 'datawell.ledger.command.v1' } };

const refusal = (fn: () => unknown): TrafficSealError => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TrafficSealError);
    return error as TrafficSealError;
  }
  throw new Error('expected a TrafficSealError');
};

describe('traffic sealing', () => {
  const key = new TrafficKey(newTrafficKeyBytes());
  const other = new TrafficKey(newTrafficKeyBytes());

  it('seals into a versioned envelope naming the key, with a fresh nonce each time, and opens it back', () => {
    const a = sealTraffic(key, PLAIN, binding);
    const b = sealTraffic(key, PLAIN, binding);
    expect(isSealedTraffic(a)).toBe(true);
    expect(a.subarray(0, 4).toString('latin1')).toBe('DWT1');
    expect(a.subarray(4, 12).toString('hex')).toBe(key.id);
    expect(a.equals(b)).toBe(false);
    for (const marker of ['734215', '98127364', 'OtherMSP']) expect(a.includes(marker)).toBe(false);
    expect(openTraffic([other, key], a, binding).toString()).toBe(PLAIN);
  });

  it('refuses a value moved to another topic, message key or event id, and a tampered one', () => {
    const sealed = sealTraffic(key, PLAIN, binding);
    expect(refusal(() => openTraffic([key], sealed, { ...binding, topic: 'datawell.member.AcmeMSP.ledger.events.v1' })).code).toBe('TRAFFIC_OPEN_FAILED');
    expect(refusal(() => openTraffic([key], sealed, { ...binding, key: 'dao-2' })).code).toBe('TRAFFIC_OPEN_FAILED');
    expect(refusal(() => openTraffic([key], sealed, { ...binding, headers: { ...binding.headers, ce_id: 'ev-2' } })).code).toBe('TRAFFIC_OPEN_FAILED');
    expect(refusal(() => openTraffic([key], sealed, { ...binding, headers: { ce_id: 'ev-1' } })).code).toBe('TRAFFIC_OPEN_FAILED');
    for (const at of [12, 30, sealed.length - 1]) {
      const tampered = Buffer.from(sealed);
      tampered[at] = tampered[at]! ^ 1;
      expect(refusal(() => openTraffic([key], tampered, binding)).code).toBe('TRAFFIC_OPEN_FAILED');
    }
    // A Buffer key and a string key of the same bytes bind alike (kafkajs hands consumers Buffers).
    expect(openTraffic([key], sealed, { ...binding, key: Buffer.from('dao-1'), headers: { ce_id: Buffer.from('ev-1'), ce_type: Buffer.from('datawell.ledger.command.v1') } }).toString()).toBe(PLAIN);
  });

  it("refuses plaintext, another domain's key and a value with the wrong key id", () => {
    expect(refusal(() => openTraffic([key], Buffer.from(PLAIN), binding)).code).toBe('TRAFFIC_NOT_SEALED');
    expect(refusal(() => openTraffic([key], null, binding)).code).toBe('TRAFFIC_NOT_SEALED');
    const foreign = sealTraffic(other, PLAIN, binding);
    const e = refusal(() => openTraffic([key], foreign, binding));
    expect(e.code).toBe('TRAFFIC_UNKNOWN_KEY');
    expect(e.message).toContain(other.id);
    // The envelope names `key` but was sealed by `other`: the tag does not verify.
    const relabelled = Buffer.concat([foreign.subarray(0, 4), Buffer.from(key.id, 'hex'), foreign.subarray(12)]);
    expect(refusal(() => openTraffic([key], relabelled, binding)).code).toBe('TRAFFIC_OPEN_FAILED');
  });

  it('refuses headers that would travel in the clear beyond the CloudEvent id and type, and tombstones', () => {
    expect(refusal(() => sealTraffic(key, PLAIN, { ...binding, headers: { ...binding.headers, amount: '98127364' } })).code).toBe('TRAFFIC_MESSAGE_REFUSED');
    expect(refusal(() => sealTraffic(key, PLAIN, { ...binding, headers: { ce_id: ['a', 'b'] } })).code).toBe('TRAFFIC_MESSAGE_REFUSED');
    expect(refusal(() => sealTraffic(key, null, binding)).code).toBe('TRAFFIC_MESSAGE_REFUSED');
  });

  it('never shows the key bytes in JSON, strings or inspection', () => {
    const bytes = newTrafficKeyBytes();
    const k = new TrafficKey(bytes, '/secrets/traffic.key');
    for (const text of [JSON.stringify({ k }), String(k), inspect(k), inspect({ nested: { k } }, { depth: 5 })]) {
      expect(text).toContain(k.id);
      expect(text).not.toContain(bytes.toString('hex'));
      expect(text).not.toContain(bytes.toString('base64'));
    }
  });

  describe('key files', () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'traffic-key-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));
    const file = (bytes: Buffer, mode = 0o600): string => {
      const path = join(dir, `k-${Math.random().toString(36).slice(2)}`);
      writeFileSync(path, bytes, { mode });
      chmodSync(path, mode);
      return path;
    };

    it('reads a 32-byte key readable by its owner only; the same bytes give the same key id', () => {
      const bytes = newTrafficKeyBytes();
      const k = readTrafficKeyFile(file(bytes));
      expect(k.id).toBe(new TrafficKey(bytes).id);
      expect(openTraffic([k], sealTraffic(new TrafficKey(bytes), PLAIN, binding), binding).toString()).toBe(PLAIN);
    });

    it.each([
      ['a missing file', () => join(dir, 'none'), /cannot read .* \(ENOENT\)/],
      ['a short key', () => file(newTrafficKeyBytes().subarray(0, 31)), /holds 31 bytes; a traffic key is 32/],
      ['a key as text', () => file(Buffer.from(newTrafficKeyBytes().toString('base64'))), /holds 44 bytes/],
      ['a key others may read', () => file(newTrafficKeyBytes(), 0o640), /may be read by other users \(mode 640\)/],
    ])('refuses %s', (_what, path, message) => {
      const e = refusal(() => readTrafficKeyFile(path()));
      expect(e.code).toBe('TRAFFIC_KEY_INVALID');
      expect(e.message).toMatch(message);
    });
  });

  describe('DATAWELL_TRAFFIC_KEY_FILE and DATAWELL_TRAFFIC_PREVIOUS_KEY_FILES at boot', () => {
    const spec: ServiceSpec<'postgres' | 'kafka'> = { name: 'sealed', schema: 'sealed', portVariable: 'SEALED_HTTP_PORT', defaultPort: 4190, grpcPortVariable: 'SEALED_GRPC_PORT', defaultGrpcPort: 5190, dependencies: ['postgres', 'kafka'] };
    const sealed = defineService(spec);
    const base = { DATAWELL_POSTGRES_URL: 'postgres://u:p@db:5432/d', DATAWELL_KAFKA_BROKERS: 'kafka:9092' };
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'traffic-boot-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));
    const keyFile = (name: string, bytes = newTrafficKeyBytes()) => {
      const path = join(dir, name);
      writeFileSync(path, bytes, { mode: 0o600 });
      return { path, bytes };
    };
    const issues = (env: Record<string, string>) => {
      try {
        loadServiceConfig(sealed, { ...base, ...env });
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as ConfigError).issues.map((i) => `${i.variable}: ${i.problem}`);
      }
      throw new Error('expected a ConfigError');
    };

    it('reads the current key and the previous ones; the dump shows ids and files, never the bytes', () => {
      const current = keyFile('current.key');
      const old = keyFile('old.key');
      const config = loadServiceConfig(sealed, { ...base, DATAWELL_TRAFFIC_KEY_FILE: current.path, DATAWELL_TRAFFIC_PREVIOUS_KEY_FILES: ` ${old.path} ` });
      expect(config.kafka.trafficKey?.id).toBe(new TrafficKey(current.bytes).id);
      expect(config.kafka.previousTrafficKeys?.map((k) => k.id)).toEqual([new TrafficKey(old.bytes).id]);
      // A value sealed with the previous key still opens with what the service platform hands createKafka.
      const keys = [config.kafka.trafficKey!, ...config.kafka.previousTrafficKeys!];
      expect(openTraffic(keys, sealTraffic(new TrafficKey(old.bytes), PLAIN, binding), binding).toString()).toBe(PLAIN);
      for (const text of [JSON.stringify(config), String(config), inspect(config, { depth: 8 })]) {
        expect(text).toContain(current.path);
        for (const bytes of [current.bytes, old.bytes]) {
          expect(text).not.toContain(bytes.toString('hex'));
          expect(text).not.toContain(bytes.toString('base64'));
        }
      }
      expect(loadServiceConfig(sealed, base).kafka.trafficKey).toBeUndefined();
    });

    it('refuses bad key files, previous keys without a current one, and the current key listed as previous, naming the variables', () => {
      const current = keyFile('current.key');
      const short = keyFile('short.key', newTrafficKeyBytes().subarray(0, 8));
      expect(issues({ DATAWELL_TRAFFIC_KEY_FILE: short.path })).toEqual([expect.stringMatching(/^DATAWELL_TRAFFIC_KEY_FILE: .*holds 8 bytes/)]);
      expect(issues({ DATAWELL_TRAFFIC_PREVIOUS_KEY_FILES: current.path })).toEqual([expect.stringMatching(/^DATAWELL_TRAFFIC_PREVIOUS_KEY_FILES: needs DATAWELL_TRAFFIC_KEY_FILE/)]);
      expect(issues({ DATAWELL_TRAFFIC_KEY_FILE: current.path, DATAWELL_TRAFFIC_PREVIOUS_KEY_FILES: `${join(dir, 'gone.key')},${current.path}` })).toEqual([
        expect.stringMatching(/^DATAWELL_TRAFFIC_PREVIOUS_KEY_FILES: cannot read .*gone\.key \(ENOENT\)/),
        expect.stringMatching(/^DATAWELL_TRAFFIC_PREVIOUS_KEY_FILES: names the current key/),
      ]);
    });
  });

  describe('createKafka on sealed topics', () => {
    it('refuses to produce to a member topic without the key, before anything reaches a broker', async () => {
      const producer = createKafka({ clientId: 'spec', brokers: ['127.0.0.1:9'], retries: 0 }).producer();
      await expect(producer.send({ topic: TOPIC, messages: [{ value: PLAIN }] })).rejects.toMatchObject({ code: 'TRAFFIC_KEY_REQUIRED' });
      await expect(producer.sendBatch({ topicMessages: [{ topic: TOPIC, messages: [{ value: PLAIN }] }] })).rejects.toMatchObject({ code: 'TRAFFIC_KEY_REQUIRED' });
    });

    it('refuses a clear header on a member topic even with the key', async () => {
      const producer = createKafka({ clientId: 'spec', brokers: ['127.0.0.1:9'], retries: 0, trafficKeys: [key] }).producer();
      await expect(producer.send({ topic: TOPIC, messages: [{ value: PLAIN, headers: { members: 'AcmeMSP,OtherMSP' } }] })).rejects.toMatchObject({ code: 'TRAFFIC_MESSAGE_REFUSED' });
    });
  });
});
