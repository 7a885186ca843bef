import type { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import {
  addDomain,
  approveChaincode,
  channelOrganisations,
  commitChaincode,
  domainsStatus,
  domainTrafficKeys,
  findDomain,
  formChannel,
  joinOwnPeer,
  listDomains,
  memberFabric,
  ownPeerChannels,
  parkDomain,
  proposeOrgAddition,
  readBlueprint,
  readMspPackage,
  recordChannelMember,
  retireDomainTrafficKey,
  rotateDomainTrafficKey,
  signConfigUpdate,
  status,
  submitConfigUpdate,
  up,
  validateMember,
  waitForChannelPeers,
  type DomainStatus,
  type StackContext,
} from '@datawell/stack';
import { UsageError } from '../usage-error';
import { REPO_DIR, stackContext } from '../context';
import { memberConsolesStatus, startMemberConsoles, stopMemberConsoles, type MemberConsoleState } from '../services/console';
import { memberDomains, memberServicesStatus, startMemberServices, stopMemberServices, type MemberServiceState } from '../services/domain-runner';
import { guarded } from './stack';

export function registerDomainCommands(program: Command): void {
  const domain = program.command('domain').description("trust domains: the operator's and one per participant organisation, each its own OS user, folder, database and keys");

  domain
    .command('add')
    .description("create (idempotently) a participant's domain and start its PostgreSQL, Redis, Fabric CA and peer as its own OS user")
    .argument('<MSPID>', 'the organisation MSP id, e.g. AcmeMSP')
    .requiredOption('--role <role>', 'DSP or VSP')
    .option('--json', 'print the domain and its public MSP package as one JSON object')
    .action(async (mspId: string, opts: { role: string; json?: boolean }) => {
      const ctx = stackContext();
      // Checked before anything is created, so bad input exits 2 at once.
      await guarded(async () => validateMember(mspId, opts.role));
      const added = await guarded(() => addDomain(ctx, mspId, opts.role));
      const [entry] = domainsStatus(ctx, []).filter((d) => d.name === added.domain.name);
      if (opts.json) return void process.stdout.write(`${JSON.stringify({ domain: entry, mspPackage: added.mspPackage })}\n`);
      process.stdout.write(`${describe(entry as DomainStatus)}\npublic MSP package: ${entry?.publicDir}/msp-package.json\n`);
    });

  registerChannelCommands(domain);

  domain
    .command('traffic-key')
    .description("the domain's traffic key, which seals what its services put on the broker (docs/security.md): its file and id, and the previous keys a rotation left")
    .argument('<domain>', "a member's MSP id, or operator")
    .option('--rotate', 'move the current key aside (a previous key, still opening) and make a new one to seal with')
    .option('--retire <id>', 'delete a previous key, once the topics hold nothing it sealed')
    .option('--json', 'one JSON object on stdout')
    .action(async (name: string, opts: { rotate?: boolean; retire?: string; json?: boolean }) => {
      const ctx = stackContext();
      if (opts.rotate && opts.retire) throw new UsageError('--rotate and --retire are separate steps: give one');
      const d = await guarded(async () => findDomain(ctx, name));
      const keys = await guarded(async () => (opts.rotate ? rotateDomainTrafficKey(ctx, d) : opts.retire ? retireDomainTrafficKey(ctx, d, opts.retire) : domainTrafficKeys(ctx, d)));
      if (opts.json) return void process.stdout.write(`${JSON.stringify(keys)}\n`);
      process.stdout.write(
        [
          `DATAWELL_TRAFFIC_KEY_FILE=${keys.current.file}  (key ${keys.current.id})`,
          `DATAWELL_TRAFFIC_PREVIOUS_KEY_FILES=${keys.previous.map((k) => k.file).join(',')}${keys.previous.length ? `  (keys ${keys.previous.map((k) => k.id).join(', ')})` : ''}`,
        ].join('\n') + '\n',
      );
    });

  domain
    .command('start')
    .description("start the member-mode services of member domains (all, or those named) as each domain's OS user, with its own settings, and wait for their health")
    .argument('[MSPID...]', 'member domains (default: every member domain)')
    .action(async (mspIds: string[]) => {
      const ctx = stackContext();
      const only = mspIds.length > 0 ? mspIds : undefined;
      await guarded(async () => memberDomains(ctx, only));
      await startMemberServices(ctx, await up(ctx), REPO_DIR, only);
      printMemberServices(await memberServicesStatus(ctx, only), false);
    });

  domain
    .command('stop')
    .description('stop the member-mode services of member domains (all, or those named); their data stays')
    .argument('[MSPID...]', 'member domains (default: every member domain)')
    .action(async (mspIds: string[]) => {
      const ctx = stackContext();
      const only = mspIds.length > 0 ? mspIds : undefined;
      await guarded(async () => memberDomains(ctx, only));
      await stopMemberServices(ctx, only);
    });

  domain
    .command('park')
    .description("set member domains aside (those named, or --all): stop their services, workloads, CA and stores, and keep them stopped across ./dev up until ./dev domain add takes one up again; their peers run on (the channels' gossip needs them); folders, keys, ledgers and databases stay")
    .argument('[MSPID...]', 'member domains')
    .option('--all', 'every member domain')
    .action(async (mspIds: string[], opts: { all?: boolean }) => {
      const ctx = stackContext();
      if (opts.all === (mspIds.length > 0)) throw new UsageError('name the member domains to park, or give --all (not both)');
      const names = opts.all ? listDomains(ctx).filter((d) => d.role !== 'operator').map((d) => d.name) : mspIds;
      for (const name of names) {
        const d = await guarded(async () => findDomain(ctx, name));
        if (d.role === 'operator') throw new UsageError("the operator's domain runs the network itself and cannot be parked: name a member domain");
      }
      for (const name of names) await parkDomain(ctx, name);
    });

  domain
    .command('console')
    .description("serve the console of member domains (all, or those named) in each member's own domain, as its OS user, with the domain's own services behind it; print where (--stop stops them)")
    .argument('[MSPID...]', 'member domains (default: every member domain)')
    .option('--stop', 'stop them instead')
    .option('--json', 'one JSON object on stdout')
    .action(async (mspIds: string[], opts: { stop?: boolean; json?: boolean }) => {
      const ctx = stackContext();
      const only = mspIds.length > 0 ? mspIds : undefined;
      await guarded(async () => memberDomains(ctx, only));
      if (opts.stop) return void (await stopMemberConsoles(ctx, only));
      await startMemberConsoles(ctx, REPO_DIR, only);
      const list = await memberConsolesStatus(ctx, only);
      if (opts.json) process.stdout.write(`${JSON.stringify({ healthy: list.every((c) => c.healthy), consoles: list })}\n`);
      else process.stdout.write(list.length === 0 ? 'no member domains (./dev domain add <MSPID> --role DSP|VSP)\n' : `${list.map(describeMemberConsole).join('\n')}\n`);
      if (list.some((c) => !c.healthy)) process.exitCode = 1;
    });

  domain
    .command('services')
    .description("each member domain's services: HTTP URL, gRPC address (the ledger bridge's usage trail), health, pid")
    .option('--json', 'one JSON object on stdout')
    .action(async (opts: { json?: boolean }) => {
      printMemberServices(await memberServicesStatus(stackContext()), opts.json === true);
    });

  domain
    .command('list')
    .description('every domain with its OS user, folder, processes and stores')
    .option('--json', 'one JSON array on stdout')
    .action(async (opts: { json?: boolean }) => {
      const ctx = stackContext();
      const list = (await status(ctx)).domains;
      if (opts.json) return void process.stdout.write(`${JSON.stringify(list)}\n`);
      process.stdout.write(`${list.map(describe).join('\n')}\n`);
    });
}

function printMemberServices(list: readonly MemberServiceState[], json: boolean): void {
  if (json) process.stdout.write(`${JSON.stringify({ healthy: list.every((s) => s.healthy), services: list })}\n`);
  else process.stdout.write(list.length === 0 ? 'no member domains (./dev domain add <MSPID> --role DSP|VSP)\n' : `${list.map(describeMemberService).join('\n')}\n`);
  if (list.some((s) => !s.healthy)) process.exitCode = 1;
}

/** One line of `./dev domain console`: health, domain, URL, detail. */
export function describeMemberConsole(c: MemberConsoleState): string {
  return `${c.healthy ? 'healthy  ' : 'UNHEALTHY'}  ${c.domain.padEnd(16)} console        ${c.url}  ${c.detail}`;
}

/** One line of `./dev domain services`: health, domain, service, HTTP URL, gRPC address (where it has a fixed one), detail. */
export function describeMemberService(s: MemberServiceState): string {
  return `${s.healthy ? 'healthy  ' : 'UNHEALTHY'}  ${s.domain.padEnd(16)} ${s.name.padEnd(14)} ${s.url}${s.grpcAddress ? `  grpc ${s.grpcAddress}` : ''}  ${s.detail}`;
}

/** The member domain named on the command line: exit 2 for an unknown one or the operator's. */
function member(ctx: StackContext, mspId: string) {
  const d = findDomain(ctx, mspId);
  if (d.role === 'operator') throw new UsageError('the operator is not a member of a DAO channel: name a member domain');
  return memberFabric(ctx, d.mspId);
}

function readEnvelope(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new UsageError(`cannot read the config update ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

/**
 * Fabric's multi-party workflow by hand (libs/stack/src/fabric/parties.ts): the operator forms a
 * channel from the members' public MSP packages; each member joins and approves as its own admin;
 * one member commits; a channel grows by a config update a majority of its admins sign.
 */
function registerChannelCommands(domain: Command): void {
  const channel = domain.command('channel').description("a DAO channel formed and grown the multi-party way: each step by the party it belongs to, as that domain's own admin");

  channel
    .command('form')
    .description("the operator's part: genesis block from the members' public MSP packages, its orderers joined, the blueprint published")
    .argument('<channel>', 'channel name, e.g. dao-acme-v1')
    .argument('<MSPID...>', 'the member domains, the DSP first')
    .option('--chaincode <name...>', 'chaincodes the members approve on it', ['dao'])
    .option('--json', 'print the blueprint (members, their peers, the chaincode definitions) as one JSON object')
    .action(async (name: string, mspIds: string[], opts: { chaincode: string[]; json?: boolean }) => {
      const ctx = stackContext();
      const packages = await guarded(async () => mspIds.map((id) => readMspPackage(ctx, findDomain(ctx, id).name)));
      const blueprint = await guarded(() => formChannel(ctx, name, packages, opts.chaincode));
      if (opts.json) return void process.stdout.write(`${JSON.stringify(blueprint)}\n`);
      process.stdout.write(
        [
          `formed ${name} with ${blueprint.members.join(', ')}: the orderers joined it; no member's peer has yet`,
          `chaincodes to approve: ${blueprint.chaincodes.map((c) => `${c.name} ${c.version} (sequence ${c.sequence})`).join(', ')}`,
          `next, each member: ./dev domain channel join <MSPID> ${name}; then the DSP: ./dev domain channel commit ${blueprint.members[0]} ${name}`,
        ].join('\n') + '\n',
      );
    });

  channel
    .command('join')
    .description("a member's part: join its own peer to the channel and approve the blueprint's chaincodes as its own admin")
    .argument('<MSPID>', 'the member domain')
    .argument('<channel>', 'a channel the operator formed with this member')
    .action(async (mspId: string, name: string) => {
      const ctx = stackContext();
      const m = await guarded(async () => member(ctx, mspId));
      const blueprint = await guarded(async () => readBlueprint(ctx, name));
      if (!blueprint.members.includes(mspId) && !(await channelOrganisations(m, name).catch(() => [] as string[])).includes(mspId)) {
        throw new UsageError(`${mspId} is not a member of ${name}`);
      }
      await joinOwnPeer(m, name);
      recordChannelMember(ctx, name, mspId);
      for (const def of blueprint.chaincodes) await approveChaincode(m, name, def);
      process.stdout.write(`${mspId} joined ${name} and approved ${blueprint.chaincodes.map((c) => `${c.name} (sequence ${c.sequence})`).join(', ')}\n`);
    });

  channel
    .command('commit')
    .description("a member's part (the DSP's): commit the blueprint's chaincodes once every member approved them")
    .argument('<MSPID>', 'the committing member domain')
    .argument('<channel>', 'the channel')
    .action(async (mspId: string, name: string) => {
      const ctx = stackContext();
      const m = await guarded(async () => member(ctx, mspId));
      const blueprint = await guarded(async () => readBlueprint(ctx, name));
      for (const def of blueprint.chaincodes) await commitChaincode(m, blueprint, def);
      await waitForChannelPeers(m, name, blueprint.members.length);
      process.stdout.write(`${mspId} committed ${blueprint.chaincodes.map((c) => c.name).join(', ')} on ${name}\n`);
    });

  channel
    .command('propose')
    .description("a member's proposal to add an organisation (from its public MSP package): writes the unsigned config update")
    .argument('<MSPID>', 'the proposing member domain')
    .argument('<channel>', 'the channel')
    .argument('<NEWMSPID>', 'the organisation to add (a domain with a public MSP package)')
    .requiredOption('--out <file>', 'where to write the config update envelope')
    .action(async (mspId: string, name: string, newMspId: string, opts: { out: string }) => {
      const ctx = stackContext();
      const m = await guarded(async () => member(ctx, mspId));
      const pkg = await guarded(async () => readMspPackage(ctx, findDomain(ctx, newMspId).name));
      writeFileSync(opts.out, await guarded(() => proposeOrgAddition(m, name, pkg)));
      process.stdout.write(`config update adding ${newMspId} to ${name} written to ${opts.out}: have a majority of the channel's admins sign it\n`);
    });

  channel
    .command('sign')
    .description("a member's admin signs a config update (the file is replaced by the signed envelope)")
    .argument('<MSPID>', 'the signing member domain')
    .argument('<file>', 'the config update envelope')
    .action(async (mspId: string, file: string) => {
      const ctx = stackContext();
      const m = await guarded(async () => member(ctx, mspId));
      writeFileSync(file, await signConfigUpdate(m, readEnvelope(file)));
      process.stdout.write(`${mspId} signed ${file}\n`);
    });

  channel
    .command('submit')
    .description("a member's admin submits a signed config update (adding its own signature)")
    .argument('<MSPID>', 'the submitting member domain')
    .argument('<channel>', 'the channel')
    .argument('<file>', 'the signed config update envelope')
    .action(async (mspId: string, name: string, file: string) => {
      const ctx = stackContext();
      const m = await guarded(async () => member(ctx, mspId));
      await submitConfigUpdate(m, name, readEnvelope(file));
      process.stdout.write(`${name} now has ${(await channelOrganisations(m, name)).join(', ')}\n`);
    });

  channel
    .command('list')
    .description("the channels a member's own peer has joined (peer channel list, as its admin)")
    .argument('<MSPID>', 'the member domain')
    .action(async (mspId: string) => {
      const ctx = stackContext();
      const m = await guarded(async () => member(ctx, mspId));
      process.stdout.write(`${(await ownPeerChannels(m)).join('\n')}\n`);
    });
}

function describe(d: DomainStatus): string {
  const procs = d.processes.map((p) => (p.pid ? `${p.name}(${p.pid} as ${p.user ?? '?'})` : `${p.name}(not running)`)).join(' ');
  return [
    `${d.name}  role ${d.role}  user ${d.osUser}${d.osUserExists ? '' : ' (not created yet)'}  folder ${d.folder}${d.parked ? '  PARKED (./dev domain add takes it up again)' : ''}`,
    `  postgres 127.0.0.1:${d.database.port}  redis 127.0.0.1:${d.redis.port}  kafka principal ${d.kafka.principal} (${d.kafka.credentials})`,
    `  processes ${procs || 'none'}`,
  ].join('\n');
}
