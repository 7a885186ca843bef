import { Anchor, Button, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, Navigate } from 'react-router';
import { marketplace, unwrap } from '../api/client';
import { postOffer } from '../api/offers';
import { ownBridgeOf } from '../auth/renewal';
import { useOwnBridgeWrite, useSession } from '../auth/session';
import { OfferForm } from '../components/OfferForm';
import { newOfferOf } from '../components/offer-values';
import { Failure, Loading, StatusBadge } from '../components/Status';

export default function MyOffersPage() {
  const { session } = useSession();
  const queries = useQueryClient();
  const [posting, setPosting] = useState(false);
  const [posted, setPosted] = useState<string[]>([]);
  const kind = session?.role === 'DSP' ? 'data' : 'value';
  const mine = useQuery({
    queryKey: ['participant', session?.mspId],
    enabled: session !== undefined,
    queryFn: async () => unwrap(await marketplace.GET('/participants/{mspId}', { params: { path: { mspId: session!.mspId } } })),
    // Posts wait for the ledger: poll while one of ours is not listed yet.
    refetchInterval: (q) => (posted.some((id) => !q.state.data?.offers.some((o) => o.offerId === id)) ? 1000 : false),
  });
  const ownBridge = useOwnBridgeWrite();
  const post = useMutation({
    // In its own trust domain, through its own ledger bridge (api/offers.ts); while the page has no
    // token there yet, the post waits for it rather than go to the marketplace.
    mutationFn: async (values: Parameters<typeof newOfferOf>[1]) => postOffer(newOfferOf(kind, values), await ownBridge()),
    onSuccess: (result) => {
      setPosting(false);
      setPosted((p) => [...p, result.offerId]);
      void queries.invalidateQueries({ queryKey: ['offers'] });
    },
  });
  if (!session) return <Navigate to="/sign-in" replace />;
  const listed = new Set(mine.data?.offers.map((o) => o.offerId));
  const waiting = posted.filter((id) => !listed.has(id));
  return (
    <Stack>
      <Title order={2}>My offers</Title>
      <Text>
        Signed in as {session.enrollmentId} of {session.mspId} ({session.role === 'DSP' ? 'data owner: you post data offers' : 'value provider: you post value offers'}).
      </Text>
      {post.isPending && ownBridgeOf(session.member) === 'pending' && (
        <Text role="status" data-testid="own-bridge-pending">
          Waiting for your own ledger bridge to sign you in: your offer is posted there as soon as it does…
        </Text>
      )}
      {waiting.map((id) => (
        <Text key={id} role="status" data-testid="pending-offer">
          Offer <Anchor component={Link} to={`/offers/${encodeURIComponent(id)}`}>{id}</Anchor> submitted: waiting for the ledger to record it…
        </Text>
      ))}
      <Group>
        <Button onClick={() => setPosting((p) => !p)} variant={posting ? 'outline' : 'filled'}>
          {posting ? 'Cancel' : `Post a ${kind} offer`}
        </Button>
      </Group>
      {posting && <OfferForm kind={kind} submitLabel="Post offer" pending={post.isPending} error={post.error} onSubmit={(v) => post.mutate(v)} />}
      {mine.isPending ? (
        <Loading label="Loading your offers" />
      ) : mine.isError ? (
        <Failure error={mine.error} />
      ) : mine.data.offers.length === 0 ? (
        <Text>You have no offers on the ledger yet.</Text>
      ) : (
        <Table.ScrollContainer minWidth={360}>
          <Table>
            <Table.Caption>Your offers as the ledger records them</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Title</Table.Th>
                <Table.Th scope="col">Kind</Table.Th>
                <Table.Th scope="col">Status</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {mine.data.offers.map((o) => (
                <Table.Tr key={o.offerId}>
                  <Table.Td>
                    <Anchor component={Link} to={`/offers/${encodeURIComponent(o.offerId)}`}>
                      {o.title}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>{o.kind}</Table.Td>
                  <Table.Td>
                    <StatusBadge status={o.status} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}
