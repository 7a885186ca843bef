import { Anchor, Group, List, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link, Navigate, useParams } from 'react-router';
import { daosApi, daosOf, percent, revenueEvents, type Allocation, type DaoVersion, type Entitlement, type RevenueEvent } from '../api/daos';
import { sessionsApi } from '../api/negotiation';
import { useSession } from '../auth/session';
import { datasetsOf } from '../api/computations';
import { parseTerms, utc } from '../api/governance';
import { RequestComputationSection, ResultsSection, type ComputableVersion } from '../components/Computations';
import { Governance } from '../components/Governance';
import { OwnershipChart } from '../components/OwnershipChart';
import { TransfersSection } from '../components/Transfers';
import { RecordRevenue } from '../components/RecordRevenue';
import { JobsSection, WorkloadsSection } from '../components/Infrastructure';
import { UsageTrailSection } from '../components/UsageTrail';
import { Failure, Loading, StatusBadge } from '../components/Status';
import { LiveIndicator } from '../live/LiveIndicator';
import { useDaoLive } from '../live/useDaoLive';
import { MemberBridgeNotice } from './MyDaosPage';

interface VersionRead {
  version: number;
  state: DaoVersion;
  entitlements: Entitlement[];
  allocations: Allocation[];
}

/**
 * Reads the DAO's versions through the member's own bridge: from the first version the member
 * negotiated (a joiner's peer is not on the earlier channels) up, following each version's successor
 * to the top one.
 */
async function readVersions(daoId: string, first: number): Promise<VersionRead[]> {
  const out: VersionRead[] = [];
  for (let version = first; version < first + 64; version++) {
    const [state, entitlements, allocations] = await Promise.all([daosApi.version(daoId, version), daosApi.entitlements(daoId, version), daosApi.allocations(daoId, version)]);
    out.push({ version, state, entitlements, allocations });
    if (!state.successorChannel) break;
  }
  return out;
}

/**
 * The version's channel organisations as Fabric's channel config reports them, read through the
 * member's own bridge from its own peer, beside the chaincode's member states of the table below.
 * Its query key starts with the DAO's (['dao', me, daoId]): the page's live updates read it again.
 */
function ChannelOrganisations({ daoId, version, me }: { daoId: string; version: number; me: string }) {
  const id = `version-${version}-channel-organisations`;
  const channel = useQuery({ queryKey: ['dao', me, daoId, 'channel', version], queryFn: () => daosApi.channel(daoId, version) });
  return (
    <Stack gap={4} my="xs" data-testid="channel-organisations-section">
      <Title order={4} id={id}>
        Channel organisations (Fabric&rsquo;s channel config)
      </Title>
      {channel.isPending ? (
        <Loading label={`Reading the channel config of version ${version} through your ledger bridge`} />
      ) : channel.isError ? (
        <Failure error={channel.error} />
      ) : (
        <List aria-labelledby={id} data-testid="channel-organisations" data-channel={channel.data.channel}>
          {channel.data.organisations.map((o) => (
            <List.Item key={o} data-testid="channel-organisation" data-msp={o}>
              {o}
              {o === me ? ' (you)' : ''}
            </List.Item>
          ))}
        </List>
      )}
    </Stack>
  );
}

function VersionSection({ read, me }: { read: VersionRead; me: string }) {
  const { version, state, entitlements } = read;
  const id = `version-${version}-title`;
  const mine = entitlements.find((e) => e.mspId === me);
  return (
    <section aria-labelledby={id} data-testid={`version-${version}`}>
      <Title order={3} id={id}>
        Version {version}
      </Title>
      <Group gap="xl" my="xs">
        <Text>
          Channel <code data-testid="channel">{state.channel}</code>
        </Text>
        <Text>
          β <span data-testid="beta">{percent(state.betaPpm)}</span>
        </Text>
        <Group gap={4}>
          <Text>Status</Text>
          <StatusBadge status={state.status} />
        </Group>
        <Text>
          Your entitlement <span data-testid="my-entitlement">{mine ? `${mine.amount} (${mine.allocations} allocation${mine.allocations === 1 ? '' : 's'})` : '0'}</span>
        </Text>
      </Group>
      <ChannelOrganisations daoId={state.daoId} version={version} me={me} />
      <Table.ScrollContainer minWidth={640}>
        <Table aria-label={`Members of version ${version}`} data-testid="members">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Member</Table.Th>
              <Table.Th>Role</Table.Th>
              <Table.Th>Group</Table.Th>
              <Table.Th>Weight</Table.Th>
              <Table.Th>Ownership</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Entitlement</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {state.members.map((m) => {
              const e = entitlements.find((x) => x.mspId === m.mspId);
              return (
                <Table.Tr key={m.mspId} data-testid="member-row" data-msp={m.mspId}>
                  <Table.Td>
                    <Anchor component={Link} to={`/participants/${encodeURIComponent(m.mspId)}`}>
                      {m.mspId}
                    </Anchor>
                    {m.mspId === me ? ' (you)' : ''}
                  </Table.Td>
                  <Table.Td>{m.role}</Table.Td>
                  <Table.Td>{m.group}</Table.Td>
                  <Table.Td>{m.weight}</Table.Td>
                  <Table.Td data-testid="ownership">{percent(m.ownershipPpm)}</Table.Td>
                  <Table.Td data-testid="member-status">
                    <StatusBadge status={m.status} />
                    {m.exitEffectiveAtMs !== undefined && m.status === 'active' && <Text size="sm">exit notice: may leave from {utc(m.exitEffectiveAtMs)}</Text>}
                    {m.transferredTo !== undefined && <Text size="sm">its position went to {m.transferredTo}</Text>}
                  </Table.Td>
                  <Table.Td data-testid="entitlement">{e ? e.amount : '0'}</Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <OwnershipChart version={version} members={state.members} />
      <Governance daoId={state.daoId} state={state} me={me} />
    </section>
  );
}

const when = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');

/**
 * The DAO's revenue, one table per revenue event: what each member was paid of it, level by level
 * down the versions (formulas of the split: the top level's joiners take their share, the rest is
 * relayed inward), with each level's transaction.
 */
function RevenueSection({ daoId, events, me }: { daoId: string; events: RevenueEvent[]; me: string }) {
  return (
    <section aria-labelledby="revenue-title" data-testid="revenue">
      <Title order={3} id="revenue-title">
        Revenue and payouts
      </Title>
      <RecordRevenue daoId={daoId} me={me} />
      {events.length === 0 ? (
        <Text data-testid="no-revenue">No revenue is recorded on the versions your bridge reads yet.</Text>
      ) : (
        events.map((e) => {
          const members = Object.keys(e.payouts).sort();
          return (
            <Stack key={`${e.version}/${e.revenueId}`} gap={4} my="sm" data-testid="revenue-event" data-revenue={e.revenueId}>
              <Text>
                Revenue <code>{e.revenueId}</code> of <span data-testid="revenue-amount">{e.amount}</span>, recorded on version {e.version} at {when(e.atMs)}, transaction{' '}
                <code data-testid="revenue-tx">{e.txId}</code>
              </Text>
              <Table.ScrollContainer minWidth={560}>
                <Table aria-label={`Payouts of revenue ${e.revenueId}`} data-testid="payouts">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Member</Table.Th>
                      <Table.Th>Payout</Table.Th>
                      <Table.Th>Paid at</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {members.map((msp) => (
                      <Table.Tr key={msp} data-testid="payout-row" data-msp={msp}>
                        <Table.Td>
                          {msp}
                          {msp === me ? ' (you)' : ''}
                        </Table.Td>
                        <Table.Td data-testid="payout">{e.payouts[msp]}</Table.Td>
                        <Table.Td>
                          {e.levels
                            .filter((l) => l.payouts.some((p) => p.mspId === msp))
                            .map((l) => (
                              <Text key={l.txId} size="sm">
                                version {l.version} (β {percent(l.betaPpm)}), transaction <code data-testid="payout-tx">{l.txId}</code>
                              </Text>
                            ))}
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
              {e.restNotShown && (
                <Text size="sm" data-testid="rest-not-shown">
                  {e.restNotShown.amount} went on to {e.restNotShown.channel}
                  {e.restNotShown.why === 'not-your-channel' ? ', a version your domain’s peer is not on: its payouts are not shown here.' : ': its relay has not reached your bridge yet.'}
                </Text>
              )}
            </Stack>
          );
        })
      )}
    </section>
  );
}

/** A version's computations as its terms allow them (none when the terms cannot be read as terms), and the datasets its infrastructure names. */
function computable(read: VersionRead): ComputableVersion {
  let computations: ComputableVersion['computations'] = [];
  try {
    computations = parseTerms(read.state.terms).computations;
  } catch {
    computations = [];
  }
  return { version: read.version, members: read.state.members, computations, datasets: datasetsOf(read.state.infrastructure) };
}

/** A DAO as the member's own peer reads it: each version's channel, β, members with their ownership, and the entitlements. */
export default function DaoPage() {
  const { daoId = '' } = useParams();
  const { session } = useSession();
  const signedInThere = session?.member !== undefined && 'token' in session.member;
  const negotiated = session?.negotiation !== undefined && 'token' in session.negotiation;
  // The first version this member negotiated (formed it or joined at it): its peer is on that channel and the later ones.
  const sessions = useQuery({ queryKey: ['sessions', session?.mspId], enabled: negotiated, queryFn: sessionsApi.list });
  const first = sessions.data ? (daosOf(sessions.data).find((d) => d.daoId === daoId)?.versions[0] ?? 1) : undefined;
  const versions = useQuery({ queryKey: ['dao', session?.mspId, daoId, first], enabled: signedInThere && first !== undefined, queryFn: () => readVersions(daoId, first ?? 1) });
  // Versions, members and proposals are read again when the member's bridge tells of a ledger event of the DAO (no polling).
  const live = useDaoLive(daoId, session?.mspId, signedInThere);
  if (!session) return <Navigate to="/sign-in" replace />;
  return (
    <Stack>
      <Text size="sm">
        <Anchor component={Link} to="/my/daos">
          My DAOs
        </Anchor>
      </Text>
      <Group justify="space-between" align="baseline">
        <Title order={2}>DAO {daoId}</Title>
        {signedInThere && <LiveIndicator state={live} />}
      </Group>
      <MemberBridgeNotice />
      {signedInThere &&
        (sessions.isError ? (
          <Failure error={sessions.error} />
        ) : versions.isPending ? (
          <Loading label="Reading the DAO through your ledger bridge" />
        ) : versions.isError ? (
          <Failure error={versions.error} />
        ) : (
          <>
            {first !== undefined && first > 1 && (
              <Text data-testid="joined-at">
                You joined at version {first}: the earlier versions are on channels your domain’s peer is not on.
              </Text>
            )}
            <RevenueSection daoId={daoId} events={revenueEvents(versions.data.map((v) => ({ version: v.version, channel: v.state.channel, allocations: v.allocations })))} me={session.mspId} />
            <JobsSection daoId={daoId} me={session.mspId} />
            <WorkloadsSection daoId={daoId} me={session.mspId} />
            <RequestComputationSection daoId={daoId} me={session.mspId} certificatePem={session.certificatePem} versions={versions.data.map(computable)} />
            <ResultsSection daoId={daoId} me={session.mspId} versions={versions.data.map((v) => v.version)} />
            <UsageTrailSection daoId={daoId} me={session.mspId} />
            {versions.data.map((v) => (
              <VersionSection key={v.version} read={v} me={session.mspId} />
            ))}
            <TransfersSection daoId={daoId} top={versions.data.at(-1)?.state} me={session.mspId} />
          </>
        ))}
    </Stack>
  );
}
