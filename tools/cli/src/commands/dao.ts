import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { choiceSchema, DAO_ID_PATTERN, idSchema, MSP_ID_PATTERN, proposalKindSchema, proposalSchema } from '@datawell/contracts';
import { stackContext } from '../context';
import { memberBridge, through } from '../services/member-bridge';
import { UsageError } from '../usage-error';
import { registerRevenueCommands } from './dao-revenue';
import { registerTransferCommands } from './dao-transfer';

/** Where a DAO command acts: a member domain of this stack, on a version of a DAO it is in. */
interface Target {
  readonly mspId: string;
  readonly daoId: string;
  readonly version: number;
}

export function checkTarget(mspId: string, o: { dao: string; version: string }): Target {
  if (!MSP_ID_PATTERN.test(mspId)) throw new UsageError(`<MSPID> must be an MSP id (letters and digits ending in "MSP"), got "${mspId}"`);
  if (!DAO_ID_PATTERN.test(o.dao)) throw new UsageError(`--dao must be a DAO id (1-41 lower-case letters, digits or "-"), got "${o.dao}"`);
  if (!/^[1-9]\d{0,3}$/.test(o.version)) throw new UsageError(`--version must be a whole number 1-9999, got "${o.version}"`);
  return { mspId, daoId: o.dao, version: Number(o.version) };
}

export function checkProposalId(id: string, option = '--proposal'): string {
  if (!idSchema.safeParse(id).success) throw new UsageError(`${option} must be 1-128 letters, digits, ".", "_", ":" or "-", got "${id}"`);
  return id;
}

/**
 * A proposal's body from the command line: its kind, its payload (JSON, or @file with JSON), its id
 * and description, checked against CreateProposal's argument before anything is sent.
 */
export function proposalBody(o: { kind: string; payload?: string; id?: string; description?: string }): Record<string, unknown> {
  const kind = proposalKindSchema.safeParse(o.kind);
  if (!kind.success) throw new UsageError(`--kind must be one of ${proposalKindSchema.options.join(', ')}, got "${o.kind}"`);
  const payload = o.payload === undefined ? undefined : readJson(o.payload);
  const body = { kind: kind.data, ...(payload === undefined ? {} : { payload }), ...(o.id === undefined ? {} : { proposalId: checkProposalId(o.id, '--id') }), ...(o.description === undefined ? {} : { description: o.description }) };
  const parsed = proposalSchema.safeParse({ proposalId: 'checked', ...body });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`--payload does not fit a ${kind.data} proposal: ${issue?.path.join('.') || 'payload'}: ${issue?.message}`);
  }
  return body;
}

/** A JSON option's value, or @file with JSON: bad input (exit 2) naming the option otherwise. */
export function readJson(text: string, option = '--payload'): unknown {
  let source = text;
  if (text.startsWith('@')) {
    try {
      source = readFileSync(text.slice(1), 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read ${text.slice(1)}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
  }
  try {
    return JSON.parse(source) as unknown;
  } catch {
    throw new UsageError(`${option} must be JSON (or @file with JSON)`);
  }
}

const base = (t: Target) => `/daos/${t.daoId}/versions/${t.version}`;

type ProposalView = { proposalId: string; kind: string; status: string; yesPpm: number; noPpm: number; votingEndsAtMs?: number; quorumPpm?: number; votes?: Array<{ mspId: string; choice: string; weightPpm: number }> };

function describeProposal(p: ProposalView): string {
  const votes = (p.votes ?? []).map((v) => `${v.mspId} ${v.choice} (${v.weightPpm} ppm)`).join(', ');
  const deadline = p.votingEndsAtMs === undefined ? '' : `, voting until ${new Date(p.votingEndsAtMs).toISOString()}`;
  return `proposal ${p.proposalId} (${p.kind}): ${p.status}; yes ${p.yesPpm} ppm, no ${p.noPpm} ppm${p.quorumPpm === undefined ? '' : `, quorum ${p.quorumPpm} ppm`}${deadline}${votes ? `\n  votes: ${votes}` : ''}`;
}

const print = (json: boolean | undefined, value: unknown, text: string) => process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${text}\n`);

export function registerDaoCommands(program: Command): void {
  const dao = program.command('dao').description("a member's governance of its DAOs through its own ledger bridge, signed by its own identity in its domain: proposals, votes, exit, transfer");
  const target = (c: Command) =>
    c
      .argument('<MSPID>', 'the member that acts (a member domain of this stack)')
      .requiredOption('--dao <daoId>', 'the DAO')
      .requiredOption('--version <n>', 'the DAO version (channel) to act on')
      .option('--json', 'one JSON object on stdout');

  target(dao.command('propose').description('propose a change, signed by the member (CreateProposal); the voting period and quorum are the version\'s terms'))
    .requiredOption('--kind <kind>', `one of ${proposalKindSchema.options.join(', ')}`)
    .option('--payload <json>', 'the proposal\'s payload as JSON, or @file (change-terms: the whole new terms; change-infrastructure: the new spec; admit-member: {mspId, role, name}; dissolve: none)')
    .option('--id <proposalId>', 'the proposal id (default: chosen by the bridge)')
    .option('--description <text>', 'why')
    .action(async (mspId: string, o: { dao: string; version: string; kind: string; payload?: string; id?: string; description?: string; json?: boolean }) => {
      const t = checkTarget(mspId, o);
      const body = proposalBody(o);
      const bridge = await memberBridge(stackContext(), t.mspId);
      const made = await through(() => bridge.call<{ txId: string; proposal: ProposalView }>('POST', `${base(t)}/proposals`, body));
      print(o.json, made, `${describeProposal(made.proposal)}\n  created by ${t.mspId} on dao-${t.daoId}-v${t.version} (tx ${made.txId})`);
    });

  target(dao.command('vote').description("vote on a proposal with the member's ownership weight, signed by the member (CastVote); refused after the deadline"))
    .requiredOption('--proposal <id>', 'the proposal')
    .requiredOption('--choice <choice>', 'yes or no')
    .action(async (mspId: string, o: { dao: string; version: string; proposal: string; choice: string; json?: boolean }) => {
      const t = checkTarget(mspId, o);
      const proposalId = checkProposalId(o.proposal);
      if (!choiceSchema.safeParse(o.choice).success) throw new UsageError(`--choice must be yes or no, got "${o.choice}"`);
      const bridge = await memberBridge(stackContext(), t.mspId);
      const cast = await through(() => bridge.call<{ txId: string; proposal: ProposalView }>('POST', `${base(t)}/proposals/${proposalId}/votes`, { choice: o.choice }));
      print(o.json, cast, `${t.mspId} voted ${o.choice} (tx ${cast.txId})\n${describeProposal(cast.proposal)}`);
    });

  target(dao.command('proposal').description('a proposal with its votes, read through the member\'s own peer'))
    .requiredOption('--proposal <id>', 'the proposal')
    .action(async (mspId: string, o: { dao: string; version: string; proposal: string; json?: boolean }) => {
      const t = checkTarget(mspId, o);
      const proposalId = checkProposalId(o.proposal);
      const bridge = await memberBridge(stackContext(), t.mspId);
      const p = await through(() => bridge.call<ProposalView>('GET', `${base(t)}/proposals/${proposalId}`));
      print(o.json, p, describeProposal(p));
    });

  target(dao.command('close').description("decide a proposal whose voting period has ended, by the votes cast and the quorum (CloseProposal); the members' bridges also do it by themselves within a sweep (LEDGER_BRIDGE_PROPOSAL_SWEEP_SECONDS)"))
    .requiredOption('--proposal <id>', 'the proposal')
    .action(async (mspId: string, o: { dao: string; version: string; proposal: string; json?: boolean }) => {
      const t = checkTarget(mspId, o);
      const proposalId = checkProposalId(o.proposal);
      const bridge = await memberBridge(stackContext(), t.mspId);
      const closed = await through(() => bridge.call<{ txId: string; proposal: ProposalView }>('POST', `${base(t)}/proposals/${proposalId}/close`));
      print(o.json, closed, `${describeProposal(closed.proposal)}\n  closed by ${t.mspId} (tx ${closed.txId})`);
    });

  target(dao.command('join').description("open (or find) the join negotiation an accepted admit-member proposal starts, in the negotiation service, as the member (its bridge also does it by itself once it sees the decision)"))
    .requiredOption('--proposal <id>', 'the accepted admit-member proposal')
    .action(async (mspId: string, o: { dao: string; version: string; proposal: string; json?: boolean }) => {
      const t = checkTarget(mspId, o);
      const proposalId = checkProposalId(o.proposal);
      const bridge = await memberBridge(stackContext(), t.mspId);
      const opened = await through(() => bridge.call<{ admitted: string; session: { id: string; version: number; state: string; parties: Array<{ mspId: string }> } }>('POST', `${base(t)}/proposals/${proposalId}/join`));
      const s = opened.session;
      print(o.json, opened, `join session ${s.id} (version ${s.version}, ${s.state}) admits ${opened.admitted}; parties: ${s.parties.map((p) => p.mspId).join(', ')}`);
    });

  target(dao.command('exit').description("give the member's notice of leaving the version (RequestExit); with --complete, complete a member's exit once its notice has run (CompleteExit)"))
    .option('--complete <MSPID>', "complete this member's requested exit (the member itself or another) instead of giving notice")
    .action(async (mspId: string, o: { dao: string; version: string; complete?: string; json?: boolean }) => {
      const t = checkTarget(mspId, o);
      if (o.complete !== undefined && !MSP_ID_PATTERN.test(o.complete)) throw new UsageError(`--complete must be an MSP id, got "${o.complete}"`);
      const bridge = await memberBridge(stackContext(), t.mspId);
      const done = await through(() =>
        o.complete === undefined
          ? bridge.call<{ txId: string; member: Record<string, unknown> }>('POST', `${base(t)}/exit`, {})
          : bridge.call<{ txId: string; member: Record<string, unknown> }>('POST', `${base(t)}/members/${o.complete}/exit`),
      );
      const m = done.member;
      const text =
        o.complete === undefined
          ? `${t.mspId} gave notice on dao-${t.daoId}-v${t.version} (tx ${done.txId}); the exit may complete from ${new Date(Number(m['exitEffectiveAtMs'])).toISOString()}`
          : `${o.complete} has ${String(m['status'])} dao-${t.daoId}-v${t.version} (tx ${done.txId})`;
      print(o.json, done, text);
    });

  registerTransferCommands(dao);
  registerRevenueCommands(dao);
}
