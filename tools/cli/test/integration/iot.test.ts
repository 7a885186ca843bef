import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateReadingsKeyPair, publicKeyBase64, readingsOpener } from '@datawell/iot';
import { createTopicsLed } from '@datawell/stack';
import { hex, readTopic, stackKafka } from '@datawell/testing';

const REPO = join(__dirname, '..', '..', '..', '..');

/**
 * `./dev iot key` and `./dev iot publish` on the running stack's Kafka: the key of a node as the
 * provisioner leaves it in its folder (PROVISIONER_WORK_DIR points at a scratch one), readings sealed
 * for the dataset that reads the topic, and bad input refused with one line and exit 2.
 */
jest.setTimeout(240_000);

describe('./dev iot', () => {
  const daoId = `iotcli${hex()}`;
  const topic = `it-iot-cli-${hex()}`;
  const work = mkdtempSync(join(tmpdir(), 'it-iot-cli-'));
  const node = generateReadingsKeyPair();
  const env = { ...process.env, PROVISIONER_WORK_DIR: work };
  const dev = (shell: string) => {
    const r = spawnSync('bash', ['-c', shell], { cwd: REPO, encoding: 'utf8', env });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr.split('\n').filter((l) => l && !l.includes('npm warn')) };
  };

  beforeAll(async () => {
    const dir = join(work, 'workloads', `${daoId}-v1-dsp-mpc`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'readings.pub'), node.publicKeyPem);
    writeFileSync(join(dir, 'workload.json'), JSON.stringify({ kind: 'mpc-node', owner: 'DspMSP', mpc: { datasets: { readings: { topic, sealed: { keyFile: join(dir, 'readings.key'), owner: 'DspMSP' } }, archive: { file: '/x.csv' } } } }));
    const vsp = join(work, 'workloads', `${daoId}-v1-vsp-mpc`);
    mkdirSync(vsp, { recursive: true });
    writeFileSync(join(vsp, 'readings.pub'), generateReadingsKeyPair().publicKeyPem);
    writeFileSync(join(vsp, 'workload.json'), JSON.stringify({ kind: 'mpc-node', owner: 'VspMSP', mpc: {} }));
    const admin = stackKafka('it-iot-cli').admin();
    await admin.connect();
    await createTopicsLed(admin, [topic]).finally(() => admin.disconnect());
  });

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("prints the readings key of the node that owns a Kafka dataset, as PEM or base64, or --owner's", () => {
    expect(dev(`./dev iot key --dao ${daoId}`)).toMatchObject({ code: 0, stdout: node.publicKeyPem });
    expect(dev(`./dev iot key --dao ${daoId} --version 1 --format base64`)).toMatchObject({ code: 0, stdout: `${publicKeyBase64(node.publicKeyPem)}\n` });
    expect(dev(`./dev iot key --dao ${daoId} --owner VspMSP`).stdout).not.toBe(node.publicKeyPem);
  });

  it('publishes sealed readings for the dataset that reads the topic; the node opens them and their mean is the one printed', async () => {
    const r = dev(`./dev iot key --dao ${daoId} | ./dev iot publish --dao ${daoId} --topic ${topic} --key - --count 60 --column pm25`);
    expect(r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    const m = /^published 60 sealed readings to (\S+) for dataset readings of DspMSP \(their mean of pm25, in the clear here only: ([\d.]+)\)\n$/.exec(r.stdout);
    expect(m?.[1]).toBe(topic);
    const messages = await readTopic(stackKafka('it-iot-cli-read'), topic, (ms) => ms.length >= 60);
    expect(messages).toHaveLength(60);
    const opener = await readingsOpener(node.privateKeyPem);
    const values: number[] = [];
    for (const message of messages) {
      expect(message.key).toBeNull();
      values.push(((await opener.open(JSON.parse(String(message.value)), { owner: 'DspMSP', dataset: 'readings', topic })).reading as { pm25: number }).pm25);
    }
    expect(values.reduce((s, v) => s + v, 0) / values.length).toBeCloseTo(Number(m![2]), 9);
    // What the topic holds is ciphertext: none of the values is in a message.
    for (const v of values.filter((x) => String(x).length >= 5)) expect(messages.some((msg) => String(msg.value).includes(String(v)))).toBe(false);
  });

  it('reads readings from a JSON-lines file', async () => {
    const file = join(work, 'readings.jsonl');
    writeFileSync(file, '{"pm25": 12.5, "sensor": "s1"}\n\n{"pm25": 13.5}\n');
    writeFileSync(join(work, 'key.pem'), node.publicKeyPem);
    expect(dev(`./dev iot publish --dao ${daoId} --topic ${topic} --key ${join(work, 'key.pem')} --file ${file}`)).toMatchObject({ code: 0, stdout: `published 2 sealed readings to ${topic} for dataset readings of DspMSP\n` });
  });

  it.each([
    ['a bad line', (w: string) => `--topic ${topic} --key ${w}/key.pem --file ${w}/bad.jsonl`, /^dev: .*bad\.jsonl line 2: not a JSON object$/],
    ['two sources', (w: string) => `--topic ${topic} --key ${w}/key.pem --count 3 --column pm25 --file ${w}/bad.jsonl`, /^dev: give either --file or --count with --column$/],
    ['no column', (w: string) => `--topic ${topic} --key ${w}/key.pem --count 3`, /^dev: --count needs --column/],
    ['a private key', (w: string) => `--topic ${topic} --key ${w}/private.pem --count 3 --column pm25`, /^dev: --key: that is a private key: producers take the node's public key$/],
    ['a topic no dataset reads', (w: string) => `--topic nobody-reads-this --key ${w}/key.pem --count 3 --column pm25`, /^dev: no dataset of DAO \S+ reads topic nobody-reads-this; give --owner and --dataset$/],
  ])('exits 2 with one line: %s', (_, args, message) => {
    writeFileSync(join(work, 'bad.jsonl'), '{"pm25": 1}\n[1, 2]\n');
    writeFileSync(join(work, 'key.pem'), node.publicKeyPem);
    writeFileSync(join(work, 'private.pem'), node.privateKeyPem);
    const r = dev(`./dev iot publish --dao ${daoId} ${args(work)}`);
    expect(r.code).toBe(2);
    expect(r.stderr).toHaveLength(1);
    expect(r.stderr[0]).toMatch(message);
  });

  it.each([
    ['a domain this stack does not have', '--dsp NoSuchDomainMSP --label pm25', /^dev: NoSuchDomainMSP is not a member domain of this stack \(\.\/dev domain add NoSuchDomainMSP --role DSP\)$/],
    ['a label no topic can carry', '--dsp NoSuchDomainMSP --label "pm 2.5"', /^dev: --label must be letters, digits, "_" or "-" \(at most 100\), got "pm 2\.5"$/],
    ['a fleet name with a slash', '--dsp NoSuchDomainMSP --label pm25 --fleet a/b', /^dev: --fleet must be letters, digits, "_" or "-" \(at most 60\), got "a\/b"$/],
    ['no MSP id', '--dsp acme --label pm25', /^dev: --dsp must be an MSP id such as AcmeMSP, got "acme"$/],
  ])('iot fleet exits 2 with one line: %s', (_, args, message) => {
    const r = dev(`./dev iot fleet ${args}`);
    expect(r.code).toBe(2);
    expect(r.stderr).toHaveLength(1);
    expect(r.stderr[0]).toMatch(message);
  });
});
