import { Alert, Anchor, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link, Navigate } from 'react-router';
import { daosOf } from '../api/daos';
import { sessionsApi } from '../api/negotiation';
import { heldKey } from '../auth/keyring';
import { renewing } from '../auth/renewal';
import { useSession } from '../auth/session';
import { NegotiationSignIn } from '../components/NegotiationSignIn';
import { Failure, Loading } from '../components/Status';

/** Says so when the page could not sign in at the member's own ledger bridge (this console has none, or it refused). */
export function MemberBridgeNotice() {
  const { session } = useSession();
  if (!session || (session.member && 'token' in session.member)) return null;
  return (
    <Alert color="orange" variant="light" title="Not signed in at your domain’s ledger bridge" role="note" data-testid="member-notice">
      {session.member && 'error' in session.member ? session.member.error : 'Sign out and sign in again.'} A DAO’s versions, members and entitlements are read through your own domain’s bridge: the console of your domain serves it.
      {renewing(session.member) && heldKey(session.mspId) !== undefined ? ' The page signs in there again by itself, every few seconds.' : ''}
    </Alert>
  );
}

/**
 * "My DAOs": the DAOs whose formation or join the member negotiated and which were formed on the
 * ledger (the negotiation service's sessions); each opens the DAO's page, read through the member's
 * own ledger bridge.
 */
export default function MyDaosPage() {
  const { session } = useSession();
  const signedInThere = session?.negotiation !== undefined && 'token' in session.negotiation;
  const list = useQuery({ queryKey: ['sessions', session?.mspId], enabled: signedInThere, queryFn: sessionsApi.list, refetchInterval: 5000 });
  if (!session) return <Navigate to="/sign-in" replace />;
  const daos = list.data ? daosOf(list.data) : [];
  return (
    <Stack>
      <Title order={2}>My DAOs</Title>
      <NegotiationSignIn />
      <MemberBridgeNotice />
      {signedInThere &&
        (list.isPending ? (
          <Loading label="Loading your DAOs" />
        ) : list.isError ? (
          <Failure error={list.error} />
        ) : daos.length === 0 ? (
          <Text data-testid="no-daos">You are in no DAO yet. A DAO appears here once a negotiation you are a party to has formed it.</Text>
        ) : (
          <Table.ScrollContainer minWidth={480}>
            <Table data-testid="daos" aria-label="My DAOs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>DAO</Table.Th>
                  <Table.Th>Versions you negotiated</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {daos.map((d) => (
                  <Table.Tr key={d.daoId} data-testid="dao-row">
                    <Table.Td>
                      <Anchor component={Link} to={`/my/daos/${encodeURIComponent(d.daoId)}`}>
                        {d.daoId}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>{d.versions.map((v) => `v${v}`).join(', ')}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        ))}
    </Stack>
  );
}
