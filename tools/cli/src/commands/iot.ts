import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { readKafkaCredentialsFile } from '@datawell/config';
import { openReadingsProducer, publicKeyBase64, rawPublicKey, SealedReadingError, type Reading } from '@datawell/iot';
import { memberTopicPrefix } from '@datawell/contracts';
import { connectionCredentials, datasetReadingsTopic, domainPaths, ensureDomainFleet, FLEET_NAME_PATTERN, listDomains, READINGS_LABEL_PATTERN, type StackConnection } from '@datawell/stack';
import { stackContext } from '../context';
import { UsageError } from '../usage-error';

/** An MPC node of a DAO version as its provisioner left it in its folder: owner, datasets and readings public key. */
export interface ReadingsNode {
  readonly workloadId: string;
  readonly version: number;
  readonly owner: string;
  /** Dataset name → topic, for the node's Kafka datasets. */
  readonly topics: Readonly<Record<string, string>>;
  readonly publicKeyPem: string;
}

const DAO_ID = /^[a-z0-9][a-z0-9-]{0,40}$/;
const MSP_ID = /^[A-Za-z][A-Za-z0-9]{0,40}MSP$/;
const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;
const COLUMN = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

/** The MPC nodes with a readings key of a DAO in provisioners' workloads folders (every version). */
export function readingsNodes(workloadsRoots: string | readonly string[], daoId: string): ReadingsNode[] {
  const out: ReadingsNode[] = [];
  for (const root of typeof workloadsRoots === 'string' ? [workloadsRoots] : workloadsRoots) {
    if (!existsSync(root)) continue;
    for (const name of readdirSync(root)) {
      const m = /^(.+)-v(\d+)-[^/]+$/.exec(name);
      if (!m || m[1] !== daoId) continue;
      const dir = join(root, name);
      if (!existsSync(join(dir, 'readings.pub')) || !existsSync(join(dir, 'workload.json'))) continue;
      const config = JSON.parse(readFileSync(join(dir, 'workload.json'), 'utf8')) as { kind?: string; owner?: string; version?: unknown; mpc?: { datasets?: Record<string, { topic?: unknown }> } };
      if (config.kind !== 'mpc-node' || typeof config.owner !== 'string') continue;
      const topics = Object.fromEntries(Object.entries(config.mpc?.datasets ?? {}).flatMap(([d, s]) => (typeof s?.topic === 'string' ? [[d, s.topic]] : [])));
      // The version the node serves now: a node a later version took over keeps the folder (and id) of the version that started it.
      const version = typeof config.version === 'number' ? config.version : Number(m[2]);
      out.push({ workloadId: name, version, owner: config.owner, topics, publicKeyPem: readFileSync(join(dir, 'readings.pub'), 'utf8') });
    }
  }
  return out.sort((a, b) => a.version - b.version || a.workloadId.localeCompare(b.workloadId));
}

/** The nodes of one version: the one asked for, or the latest that has any. */
function ofVersion(nodes: readonly ReadingsNode[], daoId: string, version: number | undefined): ReadingsNode[] {
  const v = version ?? Math.max(0, ...nodes.map((n) => n.version));
  const found = nodes.filter((n) => n.version === v);
  if (found.length === 0) throw new UsageError(`no MPC node with a readings key for DAO ${daoId}${version ? ` version ${version}` : ''} in this stack's provisioner (is it provisioned?)`);
  return found;
}

/** The node whose readings key producers use: the one of `owner`, or the only one owning a Kafka dataset. */
export function readingsNodeFor(nodes: readonly ReadingsNode[], daoId: string, version: number | undefined, owner: string | undefined): ReadingsNode {
  const candidates = ofVersion(nodes, daoId, version);
  const chosen = owner ? candidates.filter((n) => n.owner === owner) : candidates.filter((n) => Object.keys(n.topics).length > 0);
  if (chosen.length === 1) return chosen[0]!;
  if (chosen.length === 0) throw new UsageError(owner ? `DAO ${daoId} has no MPC node of ${owner}` : `no MPC node of DAO ${daoId} reads a Kafka dataset; give --owner`);
  throw new UsageError(`several MPC nodes of DAO ${daoId} read Kafka datasets (${chosen.map((n) => n.owner).join(', ')}); give --owner`);
}

function optionVersion(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,4}$/.test(text) || Number(text) < 1) throw new UsageError(`--version must be an integer 1-9999, got "${text}"`);
  return Number(text);
}

function checkedDao(daoId: string): string {
  if (!DAO_ID.test(daoId)) throw new UsageError(`--dao must be a DAO id (lower-case letters, digits, '-'), got "${daoId}"`);
  return daoId;
}

function checkedOwner(owner: string | undefined): string | undefined {
  if (owner !== undefined && !MSP_ID.test(owner)) throw new UsageError(`--owner must be an MSP id such as AcmeMSP, got "${owner}"`);
  return owner;
}

/**
 * The provisioners' workload folders: under PROVISIONER_WORK_DIR when set (as a provisioner reads it),
 * else the stack's and every member domain's own (a DAO of trust domains: each member's provisioner
 * keeps its nodes in its domain, where the public readings key is too).
 */
function workloadsRoots(): string[] {
  if (process.env['PROVISIONER_WORK_DIR']) return [join(process.env['PROVISIONER_WORK_DIR'], 'workloads')];
  const ctx = stackContext();
  const members = listDomains(ctx).filter((d) => d.role !== 'operator');
  return [join(ctx.settings.stackDir, 'provisioner', 'workloads'), ...members.map((d) => join(domainPaths(ctx.settings, d.name).run, 'provisioner', 'workloads'))];
}

/** The member domain whose prefix a topic is under (`datawell.member.<MSP>.…`), if it is a domain of this stack. */
function memberDomainOf(topic: string): string | undefined {
  return listDomains(stackContext()).find((d) => d.role !== 'operator' && topic.startsWith(memberTopicPrefix(d.mspId)))?.mspId;
}

/** Readings of a JSON-lines file: one JSON object per non-empty line. Errors name the line, never its text. */
export function parseReadings(text: string, file: string): Reading[] {
  const readings: Reading[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new UsageError(`${file} line ${i + 1}: not JSON`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new UsageError(`${file} line ${i + 1}: not a JSON object`);
    readings.push(value as Reading);
  });
  if (readings.length === 0) throw new UsageError(`${file} has no readings`);
  return readings;
}

function readInput(path: string, what: string): string {
  try {
    return readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${what} ${path === '-' ? 'from standard input' : path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function stackConnectionFile(): StackConnection {
  const file = join(stackContext().settings.stackDir, 'connection.json');
  if (!existsSync(file)) throw new Error(`no ${file}: start the stack first (./dev up)`);
  return JSON.parse(readFileSync(file, 'utf8')) as StackConnection;
}

interface PublishOptions {
  dao: string;
  topic: string;
  key: string;
  file?: string;
  count?: string;
  column?: string;
  dataset?: string;
  owner?: string;
  version?: string;
  kafkaCredentials?: string;
  fleet?: string;
}


export function registerIotCommands(program: Command): void {
  const iot = program.command('iot').description("IoT readings sealed to the DSP's MPC node (HPKE): the node's public key, and publishing sealed readings to Kafka");

  iot
    .command('key')
    .description("print the readings public key of a DAO's MPC node (the node that owns a Kafka dataset, or --owner's), from this stack's provisioner")
    .requiredOption('--dao <id>', 'the DAO id')
    .option('--version <n>', 'the DAO version (default: the latest with a node)')
    .option('--owner <msp>', "the node's owner, when several nodes read Kafka datasets")
    .option('--format <format>', 'pem (SPKI) or base64 (the 32 raw bytes)', 'pem')
    .action((opts: { dao: string; version?: string; owner?: string; format: string }) => {
      if (opts.format !== 'pem' && opts.format !== 'base64') throw new UsageError(`--format must be pem or base64, got "${opts.format}"`);
      const daoId = checkedDao(opts.dao);
      const node = readingsNodeFor(readingsNodes(workloadsRoots(), daoId), daoId, optionVersion(opts.version), checkedOwner(opts.owner));
      process.stdout.write(opts.format === 'pem' ? node.publicKeyPem : `${publicKeyBase64(node.publicKeyPem)}\n`);
    });

  iot
    .command('fleet')
    .description("a sensor fleet of a DSP's domain for one dataset: a readings topic under the DSP's own prefix (created by the DSP's principal), a Kafka principal that may only write there, its credentials in the DSP's secrets folder; prints the topic and the credentials file. Idempotent")
    .requiredOption('--dsp <msp>', "the DSP's domain (./dev domain add <MSP> --role DSP)")
    .requiredOption('--label <label>', 'names the topic datawell.member.<DSP>.<label>-readings.v1 (letters, digits, "_", "-"; one topic per dataset)')
    .option('--fleet <name>', 'the fleet', 'sensors')
    .option('--json', 'one JSON object on stdout')
    .action(async (opts: { dsp: string; label: string; fleet: string; json?: boolean }) => {
      if (!MSP_ID.test(opts.dsp)) throw new UsageError(`--dsp must be an MSP id such as AcmeMSP, got "${opts.dsp}"`);
      const dsp = opts.dsp;
      if (!READINGS_LABEL_PATTERN.test(opts.label)) throw new UsageError(`--label must be letters, digits, "_" or "-" (at most 100), got "${opts.label}"`);
      if (!FLEET_NAME_PATTERN.test(opts.fleet)) throw new UsageError(`--fleet must be letters, digits, "_" or "-" (at most 60), got "${opts.fleet}"`);
      const ctx = stackContext();
      const domain = listDomains(ctx).find((d) => d.role !== 'operator' && d.mspId === dsp);
      if (!domain) throw new UsageError(`${dsp} is not a member domain of this stack (./dev domain add ${dsp} --role DSP)`);
      if (domain.role !== 'DSP') throw new UsageError(`${dsp} is a ${domain.role}'s domain: only a data owner has sensor fleets`);
      const fleet = await ensureDomainFleet(ctx, dsp, datasetReadingsTopic(dsp, opts.label), opts.fleet);
      const out = { dsp, fleet: opts.fleet, topic: fleet.topic, principal: fleet.principal, credentialsFile: fleet.credentialsFile };
      process.stdout.write(opts.json ? `${JSON.stringify(out)}\n` : `fleet ${opts.fleet} of ${dsp}: principal ${fleet.principal} writes to ${fleet.topic} only; credentials ${fleet.credentialsFile}\n`);
    });

  iot
    .command('publish')
    .description('seal readings to the node\'s key for one dataset (owner, dataset, topic) and publish them; nothing of a reading is in the clear on Kafka')
    .requiredOption('--dao <id>', 'the DAO id (finds the dataset that reads --topic, and its owner)')
    .requiredOption('--topic <topic>', 'the Kafka topic of the dataset')
    .requiredOption('--key <file|->', "the node's readings public key: a file (PEM or base64) or - for standard input")
    .option('--file <readings.jsonl>', 'readings, one JSON object per line (- for standard input)')
    .option('--count <n>', 'publish n made-up readings of --column instead of a file')
    .option('--column <name>', 'the column of made-up readings (with --count)')
    .option('--dataset <name>', 'the dataset name (default: the one of the DAO that reads --topic)')
    .option('--owner <msp>', "the dataset's owner (default: the node's owner that reads --topic)")
    .option('--version <n>', 'the DAO version whose node to look the dataset up in (default: the latest)')
    .option('--kafka-credentials <file>', "the producer principal's credentials file (default: for a topic of a DSP's domain, its --fleet's; else the stack connection's)")
    .option('--fleet <name>', "for a topic of a DSP's domain: the fleet whose credentials to use (./dev iot fleet)", 'sensors')
    .action(async (opts: PublishOptions) => {
      const daoId = checkedDao(opts.dao);
      if (!TOPIC.test(opts.topic)) throw new UsageError(`--topic must be a Kafka topic name, got "${opts.topic}"`);
      if ((opts.file === undefined) === (opts.count === undefined)) throw new UsageError('give either --file or --count with --column');
      if (opts.file === '-' && opts.key === '-') throw new UsageError('--key and --file cannot both be standard input');
      let readings: Reading[];
      let summary = '';
      if (opts.count !== undefined) {
        if (!/^\d{1,6}$/.test(opts.count) || Number(opts.count) < 1 || Number(opts.count) > 100_000) throw new UsageError(`--count must be an integer 1-100000, got "${opts.count}"`);
        if (opts.column === undefined || !COLUMN.test(opts.column)) throw new UsageError('--count needs --column <name> (letters, digits, "_", ".", "-")');
        const column = opts.column;
        const values = Array.from({ length: Number(opts.count) }, () => Math.round(Math.random() * 20_000) / 100);
        readings = values.map((v) => ({ [column]: v }));
        summary = ` (their mean of ${column}, in the clear here only: ${values.reduce((s, v) => s + v, 0) / values.length})`;
      } else {
        if (opts.column !== undefined) throw new UsageError('--column goes with --count, not --file');
        readings = parseReadings(readInput(opts.file!, 'readings'), opts.file === '-' ? 'standard input' : opts.file!);
      }
      let publicKey: Uint8Array;
      try {
        publicKey = rawPublicKey(readInput(opts.key, 'the key'));
      } catch (error) {
        if (error instanceof SealedReadingError) throw new UsageError(`--key: ${error.message}`);
        throw error;
      }
      let owner = checkedOwner(opts.owner);
      let dataset = opts.dataset;
      if (dataset !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(dataset)) throw new UsageError(`--dataset must be a dataset name, got "${dataset}"`);
      if (owner === undefined || dataset === undefined) {
        const nodes = ofVersion(readingsNodes(workloadsRoots(), daoId), daoId, optionVersion(opts.version)).filter((n) => owner === undefined || n.owner === owner);
        const matches = nodes.flatMap((n) => Object.entries(n.topics).filter(([d, t]) => t === opts.topic && (dataset === undefined || d === dataset)).map(([d]) => ({ owner: n.owner, dataset: d })));
        if (matches.length !== 1) throw new UsageError(matches.length === 0 ? `no dataset of DAO ${daoId} reads topic ${opts.topic}; give --owner and --dataset` : `several datasets of DAO ${daoId} read topic ${opts.topic}; give --dataset`);
        owner = matches[0]!.owner;
        dataset = matches[0]!.dataset;
      }
      const connection = stackConnectionFile();
      const sasl = opts.kafkaCredentials !== undefined ? readCredentials(opts.kafkaCredentials) : (fleetCredentials(opts.topic, opts.fleet ?? 'sensors') ?? connectionCredentials(connection));
      const producer = await openReadingsProducer({
        kafka: { clientId: 'datawell-iot-publish', brokers: connection.kafka.brokers, ...(sasl ? { sasl } : {}) },
        recipientPublicKey: publicKey,
        context: { owner, dataset, topic: opts.topic },
      });
      try {
        for (let i = 0; i < readings.length; i += 1000) await producer.publish(readings.slice(i, i + 1000));
      } finally {
        await producer.close();
      }
      process.stdout.write(`published ${readings.length} sealed readings to ${opts.topic} for dataset ${dataset} of ${owner}${summary}\n`);
    });
}

/**
 * For a topic under a member domain's prefix, the credentials of that domain's fleet (only a fleet of
 * the DSP may write its readings topics; the operator's principal is refused there); undefined for any
 * other topic. Exit 2 when the domain has no such fleet.
 */
function fleetCredentials(topic: string, fleet: string) {
  const dsp = memberDomainOf(topic);
  if (dsp === undefined) return undefined;
  if (!FLEET_NAME_PATTERN.test(fleet)) throw new UsageError(`--fleet must be letters, digits, "_" or "-" (at most 60), got "${fleet}"`);
  const file = join(domainPaths(stackContext().settings, dsp).secrets, `fleet-${fleet}.json`);
  if (!existsSync(file)) throw new UsageError(`${topic} is ${dsp}'s: publish as one of its fleets (./dev iot fleet --dsp ${dsp} --label <label> --fleet ${fleet}) or give --kafka-credentials`);
  return readCredentials(file);
}

function readCredentials(file: string) {
  try {
    return readKafkaCredentialsFile(file);
  } catch (error) {
    throw new UsageError(`--kafka-credentials: ${(error as Error).message}`);
  }
}
