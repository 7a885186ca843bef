import { Anchor, Badge, Group, List, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { marketplace, unwrap } from '../api/client';
import { Failure, Loading, reputationText, StatusBadge } from '../components/Status';

/**
 * The DAOs the participant publicly belongs to: the marketplace's directory entries (what the members
 * published at formation and on each version: name, status, versions with their member MSP ids; no
 * β, no amounts) that name it, read without an identity.
 */
function PublicDaos({ mspId }: { mspId: string }) {
  const daos = useQuery({
    queryKey: ['participant', mspId, 'daos'],
    queryFn: async () => unwrap(await marketplace.GET('/daos', { params: { query: { member: mspId } } })).daos,
  });
  return (
    <section aria-labelledby="daos-title" data-testid="public-daos">
      <Title order={3} id="daos-title">
        DAOs
      </Title>
      {daos.isPending ? (
        <Loading label="Reading the DAO directory" />
      ) : daos.isError ? (
        <Failure error={daos.error} />
      ) : daos.data.length === 0 ? (
        <Text data-testid="no-public-daos">It belongs to no DAO in the public directory.</Text>
      ) : (
        <>
          <Text size="sm">As the DAOs’ members published them in the marketplace’s directory: name, versions and members; their shares and amounts are the members’ only.</Text>
          <List spacing="sm">
            {daos.data.map((d) => {
              const inVersions = d.versions.filter((v) => v.members.includes(mspId)).map((v) => v.version);
              const current = d.versions.at(-1)?.members.includes(mspId) ?? false;
              return (
                <List.Item key={d.daoId} data-testid="public-dao" data-dao={d.daoId}>
                  <Group gap="xs">
                    <Text fw={600} data-testid="public-dao-name">
                      {d.name}
                    </Text>
                    <code>{d.daoId}</code>
                    <StatusBadge status={d.status} />
                  </Group>
                  {d.summary && <Text size="sm">{d.summary}</Text>}
                  <Text size="sm" data-testid="public-dao-membership">
                    {`${current ? 'Member' : 'Was a member'} in version${inVersions.length === 1 ? '' : 's'} ${inVersions.join(', ')} of ${d.topVersion}; `}
                    members of version {d.topVersion}:{' '}
                    {d.versions.at(-1)?.members.map((m, i) => (
                      <span key={m}>
                        {i > 0 && ', '}
                        {m === mspId ? (
                          m
                        ) : (
                          <Anchor component={Link} to={`/participants/${encodeURIComponent(m)}`}>
                            {m}
                          </Anchor>
                        )}
                      </span>
                    ))}
                  </Text>
                </List.Item>
              );
            })}
          </List>
        </>
      )}
    </section>
  );
}

export default function ParticipantPage() {
  const { mspId = '' } = useParams();
  const participant = useQuery({
    queryKey: ['participant', mspId],
    queryFn: async () => unwrap(await marketplace.GET('/participants/{mspId}', { params: { path: { mspId } } })),
  });
  if (participant.isPending) return <Loading label="Loading the participant" />;
  if (participant.isError) return <Failure error={participant.error} />;
  const p = participant.data;
  const counts = (['data', 'value'] as const).map((kind) => ({
    kind,
    open: p.offers.filter((o) => o.kind === kind && o.status === 'open').length,
    withdrawn: p.offers.filter((o) => o.kind === kind && o.status === 'withdrawn').length,
  }));
  return (
    <Stack>
      <Group justify="space-between" align="flex-start">
        <Title order={2}>{p.name}</Title>
        <Group gap="xs">
          <Badge color="dark" variant="filled">
            {p.role === 'DSP' ? 'Data owner (DSP)' : 'Value provider (VSP)'}
          </Badge>
          <StatusBadge status={p.status} />
        </Group>
      </Group>
      <Text>
        MSP id <code>{p.mspId}</code>
      </Text>
      <section aria-labelledby="reputation-title">
        <Title order={3} id="reputation-title">
          Reputation
        </Title>
        <Text data-testid="reputation">{reputationText(p.reputation)}</Text>
        <Text size="sm">Members of the DAOs it belongs to rate it (1-5); the chaincode keeps the score.</Text>
      </section>
      <PublicDaos mspId={p.mspId} />
      <section aria-labelledby="offers-title">
        <Title order={3} id="offers-title">
          Offers
        </Title>
        {p.offers.length === 0 ? (
          <Text>No offers yet.</Text>
        ) : (
          <>
            <figure style={{ margin: 0 }} aria-labelledby="offers-chart-caption">
              <div style={{ width: '100%', height: 180 }}>
                <ResponsiveContainer>
                  <BarChart data={counts} accessibilityLayer margin={{ left: -20 }}>
                    <CartesianGrid strokeDasharray="3 3" />
                    <XAxis dataKey="kind" />
                    <YAxis allowDecimals={false} />
                    <Tooltip />
                    <Bar dataKey="open" stackId="s" fill="#1b5e20" name="open" isAnimationActive={false} />
                    <Bar dataKey="withdrawn" stackId="s" fill="#495057" name="withdrawn" isAnimationActive={false} />
                  </BarChart>
                </ResponsiveContainer>
              </div>
              <figcaption id="offers-chart-caption">
                <Text size="sm">
                  Offers by kind: {counts.map((c) => `${c.kind} ${c.open} open, ${c.withdrawn} withdrawn`).join('; ')}.
                </Text>
              </figcaption>
            </figure>
            <List spacing="xs">
              {p.offers.map((o) => (
                <List.Item key={o.offerId}>
                  <Group gap="xs">
                    <Anchor component={Link} to={`/offers/${encodeURIComponent(o.offerId)}`}>
                      {o.title}
                    </Anchor>
                    <Badge variant="outline" color="dark">
                      {o.kind}
                    </Badge>
                    <StatusBadge status={o.status} />
                  </Group>
                </List.Item>
              ))}
            </List>
          </>
        )}
      </section>
    </Stack>
  );
}
