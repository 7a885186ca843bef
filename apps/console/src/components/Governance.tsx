import { Alert, Button, Code, Group, Modal, NativeSelect, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { percent, type DaoVersion } from '../api/daos';
import { formFromTerms, governanceApi, myVote, parseTerms, proposalBody, utc, type Choice, type Proposal, type ProposalForm, type TermsPayload } from '../api/governance';
import { Failure, Loading, StatusBadge } from './Status';

const KIND_LABELS: Record<ProposalForm['kind'], string> = { 'change-terms': 'Change the terms', 'admit-member': 'Admit a member', dissolve: 'Dissolve the DAO' };

/** What the last action came to: pending while the bridge submits and waits for the commit, then its receipt or the refusal. */
export type Outcome = { what: string; state: 'pending' } | { what: string; state: 'done'; txId: string; detail: string } | { what: string; state: 'refused'; error: unknown };

export function OutcomeView({ outcome }: { outcome: Outcome | undefined }) {
  if (!outcome) return null;
  if (outcome.state === 'pending')
    return (
      <Text role="status" data-testid="governance-pending">
        {outcome.what}: submitting through your ledger bridge and waiting for the ledger to commit it…
      </Text>
    );
  if (outcome.state === 'done')
    return (
      <Alert color="indigo" variant="light" title={`${outcome.what}: recorded`} role="status" data-testid="governance-result">
        {outcome.detail} Transaction <Code data-testid="governance-tx">{outcome.txId}</Code>.
      </Alert>
    );
  const e = outcome.error;
  return (
    <Alert color="red" title={`${outcome.what}: refused — ${e instanceof ApiError ? `${e.code} (${e.status})` : 'error'}`} role="alert" data-testid="governance-refused">
      {e instanceof Error ? e.message : String(e)}
    </Alert>
  );
}

const tally = (p: Proposal) => `yes ${percent(p.yesPpm)} · no ${percent(p.noPpm)}`;

function ProposalRow({ p, me, canVote, busy, onVote }: { p: Proposal; me: string; canVote: boolean; busy: boolean; onVote: (p: Proposal, choice: Choice) => void }) {
  const mine = myVote(p, me);
  const late = p.votingEndsAtMs !== undefined && p.votingEndsAtMs < Date.now();
  return (
    <Table.Tr data-testid="proposal-row" data-proposal={p.proposalId}>
      <Table.Td>
        <Code>{p.proposalId}</Code>
        {p.description && <Text size="sm">{p.description}</Text>}
      </Table.Td>
      <Table.Td data-testid="proposal-kind">{p.kind}</Table.Td>
      <Table.Td>{p.proposer}</Table.Td>
      <Table.Td data-testid="proposal-state" style={{ whiteSpace: 'nowrap', minWidth: '7.5rem' }}>
        <StatusBadge status={p.status} />
      </Table.Td>
      <Table.Td data-testid="proposal-deadline" data-ms={p.votingEndsAtMs}>
        {p.votingEndsAtMs === undefined ? 'none' : `${utc(p.votingEndsAtMs)}${p.status === 'open' && late ? ' (passed)' : ''}`}
      </Table.Td>
      <Table.Td>
        <span data-testid="proposal-tally">{tally(p)}</span>
        {p.quorumPpm !== undefined && <Text size="sm">quorum {percent(p.quorumPpm)}</Text>}
      </Table.Td>
      <Table.Td data-testid="my-vote">{mine ? `${mine.choice} (${percent(mine.weightPpm)})` : 'not voted'}</Table.Td>
      <Table.Td>
        {canVote && p.status === 'open' && !mine ? (
          <Group gap="xs" wrap="nowrap">
            <Button size="xs" disabled={busy} aria-label={`Vote yes on ${p.proposalId}`} onClick={() => onVote(p, 'yes')}>
              Vote yes
            </Button>
            <Button size="xs" variant="outline" disabled={busy} aria-label={`Vote no on ${p.proposalId}`} onClick={() => onVote(p, 'no')}>
              Vote no
            </Button>
          </Group>
        ) : (
          '—'
        )}
      </Table.Td>
    </Table.Tr>
  );
}

function NewProposal({ terms, busy, onPropose }: { terms: TermsPayload | undefined; busy: boolean; onPropose: (body: ReturnType<typeof proposalBody>) => void }) {
  const [form, setForm] = useState<ProposalForm>(() => formFromTerms(terms));
  const [invalid, setInvalid] = useState<string>();
  const set = <K extends keyof ProposalForm>(key: K, value: ProposalForm[K]) => setForm((f) => ({ ...f, [key]: value }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    try {
      const body = proposalBody(form, terms);
      setInvalid(undefined);
      onPropose(body);
    } catch (error) {
      setInvalid(error instanceof Error ? error.message : String(error));
    }
  };
  return (
    <form onSubmit={submit} aria-labelledby="new-proposal-title" data-testid="new-proposal">
      <Stack gap="xs">
        <Title order={5} id="new-proposal-title">
          New proposal
        </Title>
        <NativeSelect label="Kind" value={form.kind} onChange={(e) => set('kind', e.currentTarget.value as ProposalForm['kind'])} data={Object.entries(KIND_LABELS).map(([value, label]) => ({ value, label }))} />
        {form.kind === 'change-terms' && (
          <Group grow align="flex-start">
            <TextInput label="Voting period (seconds)" description="empty: as now" inputMode="numeric" value={form.votingPeriodSeconds} onChange={(e) => set('votingPeriodSeconds', e.currentTarget.value)} />
            <TextInput label="Quorum (%)" description="empty: as now" inputMode="decimal" value={form.quorumPercent} onChange={(e) => set('quorumPercent', e.currentTarget.value)} />
            <TextInput label="Exit notice (seconds)" inputMode="numeric" value={form.exitNoticeSeconds} onChange={(e) => set('exitNoticeSeconds', e.currentTarget.value)} />
            <TextInput label="Duration (days)" inputMode="numeric" value={form.durationDays} onChange={(e) => set('durationDays', e.currentTarget.value)} />
          </Group>
        )}
        {form.kind === 'admit-member' && (
          <Group grow align="flex-start">
            <TextInput label="MSP id of the party to admit" value={form.mspId} onChange={(e) => set('mspId', e.currentTarget.value)} />
            <NativeSelect label="Role" value={form.role} onChange={(e) => set('role', e.currentTarget.value === 'DSP' ? 'DSP' : 'VSP')} data={['VSP', 'DSP']} />
            <TextInput label="Name" value={form.name} onChange={(e) => set('name', e.currentTarget.value)} />
          </Group>
        )}
        {form.kind === 'change-terms' && <Text size="sm">The other terms stay as they are; an accepted change applies to this version.</Text>}
        {form.kind === 'dissolve' && <Text size="sm">Accepted, it dissolves this version of the DAO.</Text>}
        <TextInput label="Description (optional)" value={form.description} onChange={(e) => set('description', e.currentTarget.value)} />
        {invalid && (
          <Text c="red.9" role="alert" data-testid="proposal-invalid">
            {invalid}
          </Text>
        )}
        <Group>
          <Button type="submit" disabled={busy}>
            Propose
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/**
 * A version's governance, through the member's own bridge: its proposals with the ownership-weighted
 * tally as the chaincode keeps it, and, on the version the DAO now runs on while the member is active
 * in it, a new proposal, votes and the member's voluntary exit with its notice.
 */
export function Governance({ daoId, state, me }: { daoId: string; state: DaoVersion; me: string }) {
  const { version } = state;
  const client = useQueryClient();
  const key = ['proposals', me, daoId, version];
  // Not polled: the DAO page's live stream (live/useDaoLive.ts) reads it again on each ledger event of the DAO.
  const list = useQuery({ queryKey: key, queryFn: () => governanceApi.list(daoId, version) });
  // What this page's own writes answered: shown until the bridge lists them (it learns new proposals from their events).
  const [answered, setAnswered] = useState<Proposal[]>([]);
  const [outcome, setOutcome] = useState<Outcome>();
  const [confirmingExit, setConfirmingExit] = useState(false);
  // A new, empty form after each proposal the ledger recorded, and from the terms as they now are when they change.
  const [formKey, setFormKey] = useState(0);
  const self = state.members.find((m) => m.mspId === me);
  const current = state.status === 'active' && !state.successorChannel;
  const canAct = current && self?.status === 'active';
  let terms: TermsPayload | undefined;
  let termsError: unknown;
  try {
    terms = parseTerms(state.terms);
  } catch (error) {
    termsError = error;
  }
  const busy = outcome?.state === 'pending';

  async function act<T>(what: string, work: () => Promise<T>, describe: (r: T) => { txId: string; detail: string; proposal?: Proposal }) {
    setOutcome({ what, state: 'pending' });
    try {
      const r = describe(await work());
      if (r.proposal) {
        const p = r.proposal;
        setAnswered((a) => [p, ...a.filter((x) => x.proposalId !== p.proposalId)]);
      }
      setOutcome({ what, state: 'done', txId: r.txId, detail: r.detail });
    } catch (error) {
      setOutcome({ what, state: 'refused', error });
    }
    await client.invalidateQueries({ queryKey: key });
    await client.invalidateQueries({ queryKey: ['dao', me, daoId] });
  }

  const propose = (body: ReturnType<typeof proposalBody>) =>
    void act(
      `Proposal (${body.kind})`,
      () => governanceApi.propose(daoId, version, body),
      (r) => {
        setFormKey((k) => k + 1);
        return { txId: r.txId, proposal: r.proposal, detail: `Proposal ${r.proposal.proposalId} is ${r.proposal.status}${r.proposal.votingEndsAtMs !== undefined ? `, voting until ${utc(r.proposal.votingEndsAtMs)}` : ''}.` };
      },
    );
  const vote = (p: Proposal, choice: Choice) =>
    void act(
      `Your ${choice} vote on ${p.proposalId}`,
      () => governanceApi.vote(daoId, version, p.proposalId, choice),
      (r) => ({ txId: r.txId, proposal: r.proposal, detail: `The proposal is ${r.proposal.status}: ${tally(r.proposal)} of the ownership.` }),
    );
  const exit = () => {
    setConfirmingExit(false);
    void act(
      'Your exit notice',
      () => governanceApi.exit(daoId, version),
      (r) => ({ txId: r.txId, detail: r.member.exitEffectiveAtMs !== undefined ? `Your exit may be completed from ${utc(r.member.exitEffectiveAtMs)}.` : 'Notice given.' }),
    );
  };

  const listed = list.data ?? [];
  const shown = [...answered.filter((a) => !listed.some((p) => p.proposalId === a.proposalId)), ...listed];
  const titleId = `governance-${version}-title`;
  return (
    <section aria-labelledby={titleId} data-testid="governance">
      <Title order={4} id={titleId} mt="md">
        Governance of version {version}
      </Title>
      <Text size="sm" mb="xs">
        Each vote weighs the member’s ownership; a proposal is decided as soon as no remaining vote can change it, or at its deadline by the votes cast and the quorum. Every action is a transaction your organisation signs through its own ledger bridge.
      </Text>
      {list.isPending ? (
        <Loading label="Reading the proposals through your ledger bridge" />
      ) : list.isError ? (
        <Failure error={list.error} />
      ) : shown.length === 0 ? (
        <Text data-testid="no-proposals">No proposals yet.</Text>
      ) : (
        <Table.ScrollContainer minWidth={900}>
          <Table aria-label={`Proposals of version ${version}`} data-testid="proposals">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Proposal</Table.Th>
                <Table.Th>Kind</Table.Th>
                <Table.Th>Proposed by</Table.Th>
                <Table.Th>State</Table.Th>
                <Table.Th>Deadline</Table.Th>
                <Table.Th>Tally (ownership)</Table.Th>
                <Table.Th>Your vote</Table.Th>
                <Table.Th>Vote</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {shown.map((p) => (
                <ProposalRow key={p.proposalId} p={p} me={me} canVote={canAct} busy={busy} onVote={vote} />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <div aria-live="polite">
        <OutcomeView outcome={outcome} />
      </div>
      {!current ? (
        <Text size="sm" mt="xs">
          {state.successorChannel ? 'This version has a successor: proposals are made on the version the DAO now runs on.' : `This version is ${state.status}.`}
        </Text>
      ) : !canAct ? (
        <Text size="sm" mt="xs">
          You are {self ? self.status : 'not a member'} in this version: you cannot propose or vote.
        </Text>
      ) : (
        <Stack mt="sm" gap="md">
          {termsError !== undefined && <Failure error={termsError} />}
          <NewProposal key={`${formKey}:${JSON.stringify(state.terms)}`} terms={terms} busy={busy} onPropose={propose} />
          <div data-testid="exit">
            <Title order={5}>Your membership</Title>
            {self?.exitRequestedAtMs !== undefined ? (
              <Text data-testid="exit-notice">
                You gave notice at {utc(self.exitRequestedAtMs)}; your exit may be completed from {self.exitEffectiveAtMs !== undefined ? utc(self.exitEffectiveAtMs) : 'the end of the notice'}.
              </Text>
            ) : (
              <Group>
                <Text size="sm">Leaving takes the notice the terms give{terms ? ` (${terms.exitNoticeSeconds} s)` : ''}; any member may complete the exit once it has run.</Text>
                <Button variant="outline" color="red.9" disabled={busy} onClick={() => setConfirmingExit(true)}>
                  Announce my exit
                </Button>
              </Group>
            )}
          </div>
        </Stack>
      )}
      <Modal opened={confirmingExit} onClose={() => setConfirmingExit(false)} title={`Leave version ${version} of DAO ${daoId}?`} closeButtonProps={{ 'aria-label': 'Close' }}>
        <Stack>
          <Text>
            Your organisation gives notice of its exit{terms ? `: the terms give ${terms.exitNoticeSeconds} seconds of notice, after which any member may complete it` : ''}. It cannot be taken back.
          </Text>
          <Group justify="flex-end">
            <Button variant="outline" onClick={() => setConfirmingExit(false)}>
              Stay
            </Button>
            <Button color="red.9" onClick={exit}>
              Give notice
            </Button>
          </Group>
        </Stack>
      </Modal>
    </section>
  );
}
