import { Anchor, Button, Group, Modal, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { marketplace, unwrap, type Offer } from '../api/client';
import { updateOffer, withdrawOffer } from '../api/offers';
import { useOwnBridgeWrite, useSession } from '../auth/session';
import { OfferForm, patchOf } from '../components/OfferForm';
import { Failure, KindBadge, Loading, reputationText, StatusBadge } from '../components/Status';

/** An offer not yet recorded (or changed) on the ledger is polled until the ledger's event lands. */
export const PENDING_POLL_MS = 1000;

export default function OfferPage() {
  const { offerId = '' } = useParams();
  const { session } = useSession();
  const queries = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [awaitRevision, setAwaitRevision] = useState<number | undefined>();
  /**
   * In its own trust domain, the organisation signs its changes through its own bridge (as it posts),
   * waiting for its token there while the page is still signing in (auth/renewal.ts).
   */
  const ownBridge = useOwnBridgeWrite();
  const offer = useQuery({
    queryKey: ['offer', offerId],
    queryFn: async () => unwrap(await marketplace.GET('/offers/{offerId}', { params: { path: { offerId } } })),
    refetchInterval: (q) => (q.state.data?.status === 'submitted' || (awaitRevision !== undefined && (q.state.data?.revision ?? 0) <= awaitRevision) ? PENDING_POLL_MS : false),
  });
  const settle = (revision: number) => {
    setAwaitRevision(revision);
    void queries.invalidateQueries({ queryKey: ['offers'] });
    void queries.invalidateQueries({ queryKey: ['offer', offerId] });
  };
  const update = useMutation({
    mutationFn: async (patch: Parameters<typeof patchOf>[1]) => updateOffer(offerId, patchOf(offer.data!, patch), await ownBridge()),
    onSuccess: () => {
      setEditing(false);
      settle(offer.data!.revision);
    },
  });
  const withdraw = useMutation({
    mutationFn: async () => withdrawOffer(offerId, await ownBridge()),
    onSuccess: () => {
      setConfirming(false);
      settle(offer.data!.revision);
    },
  });
  if (offer.isPending) return <Loading label="Loading the offer" />;
  if (offer.isError) return <Failure error={offer.error} />;
  const o = offer.data;
  const mine = session?.mspId === o.owner.mspId;
  const changing = awaitRevision !== undefined && o.revision <= awaitRevision;
  return (
    <Stack>
      <Group justify="space-between" align="flex-start">
        <Title order={2}>{o.title}</Title>
        <Group gap="xs">
          <KindBadge kind={o.kind} suffix=" offer" />
          <StatusBadge status={o.status} />
        </Group>
      </Group>
      {o.status === 'submitted' && <Text role="status">Submitted: waiting for the ledger to record it…</Text>}
      {changing && <Text role="status">Your change was sent: waiting for the ledger to record it…</Text>}
      {o.failure && <Failure error={new Error(`${o.failure.code}: ${o.failure.message}`)} />}
      <Text>
        Offered by{' '}
        <Anchor component={Link} to={`/participants/${encodeURIComponent(o.owner.mspId)}`}>
          {o.owner.name ?? o.owner.mspId}
        </Anchor>{' '}
        ({o.owner.role ?? '?'}), reputation {reputationText(o.owner.reputation)}
      </Text>
      <section aria-labelledby="description-title">
        <Title order={3} id="description-title">
          Description
        </Title>
        <Text style={{ whiteSpace: 'pre-wrap' }} data-testid="offer-description">
          {o.description}
        </Text>
      </section>
      <section aria-labelledby="terms-title">
        <Title order={3} id="terms-title">
          Public terms (on the ledger)
        </Title>
        <TermsTable offer={o} />
      </section>
      {mine && o.status === 'open' && !changing && (
        <Group>
          <Button onClick={() => setEditing((e) => !e)} variant={editing ? 'outline' : 'filled'}>
            {editing ? 'Cancel editing' : 'Edit offer'}
          </Button>
          <Button color="red.9" variant="outline" onClick={() => setConfirming(true)}>
            Withdraw offer
          </Button>
        </Group>
      )}
      {session && !mine && o.status === 'open' && session.role === 'DSP' && o.kind === 'value' && (
        <Group>
          <Button component={Link} to={`/negotiations?with=${encodeURIComponent(o.owner.mspId)}&offer=${encodeURIComponent(o.offerId)}`}>
            Negotiate a DAO with {o.owner.mspId}
          </Button>
        </Group>
      )}
      {session && !mine && o.status === 'open' && session.role === 'VSP' && o.kind === 'data' && (
        <Text size="sm" data-testid="negotiate-note">
          A DAO on this data is formed by its owner: {o.owner.mspId} opens a formation session naming you, and it appears under{' '}
          <Anchor component={Link} to="/negotiations">
            Negotiations
          </Anchor>
          ; a DAO it formed already can be joined from there.
        </Text>
      )}
      {editing && <OfferForm kind={o.kind} initial={o} submitLabel="Save changes" pending={update.isPending} error={update.error} onSubmit={(v) => update.mutate(v)} />}
      <Modal opened={confirming} onClose={() => setConfirming(false)} title="Withdraw this offer?" closeButtonProps={{ 'aria-label': 'Close' }}>
        <Stack>
          <Text>The ledger records the withdrawal; the offer leaves the catalogue. This cannot be undone.</Text>
          {withdraw.isError && <Failure error={withdraw.error} />}
          <Group justify="flex-end">
            <Button variant="outline" onClick={() => setConfirming(false)}>
              Keep it
            </Button>
            <Button color="red.9" loading={withdraw.isPending} onClick={() => withdraw.mutate()}>
              Withdraw
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}

function TermsTable({ offer }: { offer: Offer }) {
  const rows: Array<[string, string]> = [
    ['Offer id', offer.offerId],
    ['Tags', offer.tags.join(', ') || '—'],
    ...Object.entries(offer.terms)
      .filter(([k]) => k !== 'tags')
      .map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
    ['Description digest (SHA-256)', offer.descriptionDigest],
    ['Revision', String(offer.revision)],
    ['Updated', new Date(offer.updatedAt).toLocaleString()],
  ];
  return (
    <Table.ScrollContainer minWidth={320}>
      <Table>
        <Table.Tbody>
          {rows.map(([k, v]) => (
            <Table.Tr key={k}>
              <Table.Th scope="row" w="35%">
                {k}
              </Table.Th>
              <Table.Td style={{ wordBreak: 'break-all' }}>{v}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
