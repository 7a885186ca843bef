import { Anchor, Button, Group, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router';
import { sessionsApi, type CreateSession } from '../api/negotiation';
import { useSession } from '../auth/session';
import { NegotiationSignIn } from '../components/NegotiationSignIn';
import { Failure, Loading, StatusBadge } from '../components/Status';

/** A DAO id the chaincode accepts (1-41 lower-case letters, digits or "-"), suggested from a word. */
export function suggestDaoId(from: string): string {
  const stem = from.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 28) || 'dao';
  return `${stem}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * The signed-in party's negotiation sessions, and opening one: a DSP opens the formation of a new DAO
 * with VSPs (from a value offer, `?with=<mspId>&offer=<offerId>` fills the form), a VSP opens its
 * join of an existing DAO (the negotiation service's rules: docs/negotiation.md).
 */
export default function NegotiationsPage() {
  const { session } = useSession();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const withMsp = params.get('with') ?? '';
  const [daoId, setDaoId] = useState(() => suggestDaoId(params.get('offer') ?? 'dao'));
  const [parties, setParties] = useState(withMsp);
  const signedInThere = session?.negotiation !== undefined && 'token' in session.negotiation;
  const list = useQuery({ queryKey: ['sessions', session?.mspId], enabled: signedInThere, queryFn: sessionsApi.list, refetchInterval: 5000 });
  const open = useMutation({
    mutationFn: (body: CreateSession) => sessionsApi.create(body),
    onSuccess: (s) => navigate(`/negotiations/${encodeURIComponent(s.id)}`),
  });
  if (!session) return <Navigate to="/sign-in" replace />;
  const formation = session.role === 'DSP';
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const names = parties.split(/[\s,]+/).filter(Boolean);
    open.mutate(formation ? { kind: 'formation', daoId, parties: names } : { kind: 'join', daoId, joiners: names });
  };
  return (
    <Stack>
      <Title order={2}>Negotiations</Title>
      <NegotiationSignIn />
      {signedInThere && (
        <>
          <section aria-labelledby="open-title">
            <Title order={3} id="open-title">
              {formation ? 'Form a DAO' : 'Join a DAO'}
            </Title>
            <Text size="sm" mb="xs">
              {formation
                ? 'Open the formation of a new DAO with the VSPs whose value offers you want: you are its founding group D, they form J1. Every party then proposes, counter-proposes and signs in the room.'
                : 'Open your joining of an existing DAO (you form its next joining group); its founding group and, by majority of ownership, its earlier members accept. A new DAO is opened by its data owner (DSP): it appears here when one names you.'}
            </Text>
            <form onSubmit={submit} aria-label={formation ? 'Form a DAO' : 'Join a DAO'}>
              <Stack gap="sm" maw={560}>
                <TextInput label="DAO id" description="1-41 lower-case letters, digits or “-” (it names the DAO’s channel)" required value={daoId} onChange={(e) => setDaoId(e.currentTarget.value)} name="daoId" />
                <TextInput
                  label={formation ? 'VSPs (MSP ids)' : 'Other joining VSPs (MSP ids, optional)'}
                  description="Separated by commas or spaces"
                  required={formation}
                  value={parties}
                  onChange={(e) => setParties(e.currentTarget.value)}
                  name="parties"
                />
                {open.isError && <Failure error={open.error} />}
                <Group>
                  <Button type="submit" loading={open.isPending}>
                    Open session
                  </Button>
                </Group>
              </Stack>
            </form>
          </section>
          <section aria-labelledby="sessions-title">
            <Title order={3} id="sessions-title">
              Your sessions
            </Title>
            {list.isPending ? (
              <Loading label="Loading your sessions" />
            ) : list.isError ? (
              <Failure error={list.error} />
            ) : list.data.length === 0 ? (
              <Text data-testid="no-sessions">No session names you yet.</Text>
            ) : (
              <Table.ScrollContainer minWidth={640}>
                <Table data-testid="sessions">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>DAO</Table.Th>
                      <Table.Th>Kind</Table.Th>
                      <Table.Th>Status</Table.Th>
                      <Table.Th>Revision</Table.Th>
                      <Table.Th>Parties</Table.Th>
                      <Table.Th>Updated</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {list.data.map((s) => (
                      <Table.Tr key={s.id} data-testid="session-row">
                        <Table.Td>
                          <Anchor component={Link} to={`/negotiations/${encodeURIComponent(s.id)}`}>
                            {s.daoId} v{s.version}
                          </Anchor>
                        </Table.Td>
                        <Table.Td>{s.kind}</Table.Td>
                        <Table.Td>
                          <StatusBadge status={s.status} />
                        </Table.Td>
                        <Table.Td>{s.revision}</Table.Td>
                        <Table.Td style={{ wordBreak: 'break-all' }}>{s.parties.join(', ')}</Table.Td>
                        <Table.Td>{new Date(s.updatedAt).toLocaleString()}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            )}
          </section>
        </>
      )}
    </Stack>
  );
}
