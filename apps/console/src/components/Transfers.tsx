import { Button, Code, Group, Modal, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { percent, type DaoVersion } from '../api/daos';
import { utc } from '../api/governance';
import { recipientOf, stepFor, transferIdOf, transfersApi, type Transfer } from '../api/transfers';
import { OutcomeView, type Outcome } from './Governance';
import { Failure, Loading, StatusBadge } from './Status';

const txIds = (t: Transfer) => t.channels.flatMap((c) => (c.txId ? [c.txId] : [])).join(', ') || 'none new (already recorded)';
const where = (t: Transfer) => t.channels.map((c) => `${c.channel}: ${c.status}`).join('; ');

/**
 * One transfer as the member's own bridge reads it on each channel of the DAO its peer is on (GetTransfer):
 * status, parties, consents with the share of the active ownership they hold, the acceptance; with the
 * step this member may take. Its query key starts with the DAO's: the page's live stream reads it again.
 */
function TransferView({ daoId, transferId, me, activeMember, busy, onStep }: { daoId: string; transferId: string; me: string; activeMember: boolean; busy: boolean; onStep: (t: Transfer, step: 'accept' | 'consent') => void }) {
  const read = useQuery({ queryKey: ['dao', me, daoId, 'transfer', transferId], queryFn: () => transfersApi.get(daoId, transferId) });
  if (read.isPending) return <Loading label={`Reading transfer ${transferId} through your ledger bridge`} />;
  if (read.isError) return <Failure error={read.error} />;
  const t = read.data;
  const step = stepFor(t, me, activeMember);
  const first = t.channels[0]!;
  return (
    <Stack gap={4} data-testid="transfer" data-transfer={t.transferId}>
      <Text>
        Transfer <Code>{t.transferId}</Code>: <span data-testid="transfer-parties">{`${first.from} → ${first.to}`}</span>
        {first.group !== undefined && ` (group ${first.group}${first.ownershipPpm !== undefined ? `, ownership ${percent(first.ownershipPpm)}` : ''})`}
      </Text>
      <Table.ScrollContainer minWidth={760}>
        <Table aria-label={`Transfer ${t.transferId} on each channel`}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Channel</Table.Th>
              <Table.Th>State</Table.Th>
              <Table.Th>Consents (ownership)</Table.Th>
              <Table.Th>Accepted by the recipient</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {t.channels.map((c) => (
              <Table.Tr key={c.channel} data-testid="transfer-channel" data-channel={c.channel}>
                <Table.Td>
                  <code>{c.channel}</code>
                </Table.Td>
                <Table.Td data-testid="transfer-state">
                  <StatusBadge status={c.status} />
                  {c.completedAtMs !== undefined && <Text size="sm">at {utc(c.completedAtMs)}</Text>}
                </Table.Td>
                <Table.Td>
                  <span data-testid="transfer-consents">{`${c.consents.join(', ')}: ${percent(c.consentedPpm)} of ${percent(c.activeOwnershipPpm)}`}</span>
                  <Text size="sm" data-testid="transfer-rule">
                    {c.consented ? 'the consent rule holds' : `needs every founding member${c.foundingMissing.length > 0 ? ` (missing ${c.foundingMissing.join(', ')})` : ''} and more than half of the active ownership`}
                  </Text>
                </Table.Td>
                <Table.Td data-testid="transfer-accepted">{c.acceptedAtMs !== undefined ? `yes, at ${utc(c.acceptedAtMs)}` : 'not yet'}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {step && (
        <Group>
          <Button size="xs" disabled={busy} onClick={() => onStep(t, step)} aria-label={`${step === 'accept' ? 'Accept' : 'Consent to'} transfer ${t.transferId}`}>
            {step === 'accept' ? 'Accept the transfer' : 'Consent to the transfer'}
          </Button>
        </Group>
      )}
    </Stack>
  );
}

/**
 * Transfer of rights (governance): the member offers its whole position to another member of its
 * group or to a newcomer registered with its role; the recipient accepts and the other members
 * consent, each in its own console. Every step is a transaction the acting member's organisation
 * signs through its own ledger bridge, as `./dev dao transfer` does; the key held in the page signs
 * nothing here (the bridge's routes take none).
 */
export function TransfersSection({ daoId, top, me }: { daoId: string; top: DaoVersion | undefined; me: string }) {
  const client = useQueryClient();
  const [shown, setShown] = useState<string[]>([]);
  const [recipient, setRecipient] = useState('');
  const [lookup, setLookup] = useState('');
  const [invalid, setInvalid] = useState<{ field: 'offer' | 'lookup'; message: string }>();
  const [confirming, setConfirming] = useState<string>();
  const [outcome, setOutcome] = useState<Outcome>();
  const self = top?.members.find((m) => m.mspId === me);
  const activeMember = top !== undefined && top.status === 'active' && !top.successorChannel && self?.status === 'active';
  const busy = outcome?.state === 'pending';
  const sameGroup = top?.members.filter((m) => m.mspId !== me && m.status === 'active' && m.group === self?.group).map((m) => m.mspId) ?? [];
  const show = (id: string) => setShown((s) => [id, ...s.filter((x) => x !== id)]);

  async function act(what: string, work: () => Promise<Transfer>, detail: (t: Transfer) => string) {
    setOutcome({ what, state: 'pending' });
    try {
      const t = await work();
      client.setQueryData(['dao', me, daoId, 'transfer', t.transferId], t);
      show(t.transferId);
      setOutcome({ what, state: 'done', txId: txIds(t), detail: detail(t) });
    } catch (error) {
      setOutcome({ what, state: 'refused', error });
    }
    // A completed transfer moved the position: the versions' members are read again.
    await client.invalidateQueries({ queryKey: ['dao', me, daoId] });
  }

  const submitOffer = (event: FormEvent) => {
    event.preventDefault();
    try {
      setConfirming(recipientOf(recipient, me));
      setInvalid(undefined);
    } catch (error) {
      setInvalid({ field: 'offer', message: error instanceof Error ? error.message : String(error) });
    }
  };
  const offer = () => {
    const to = confirming!;
    setConfirming(undefined);
    void act(`Your transfer to ${to}`, () => transfersApi.offer(daoId, to), (t) => `Transfer ${t.transferId} is offered (${where(t)}); ${to} accepts it in its own console and the other members consent in theirs.`);
  };
  const submitLookup = (event: FormEvent) => {
    event.preventDefault();
    try {
      show(transferIdOf(lookup));
      setInvalid(undefined);
    } catch (error) {
      setInvalid({ field: 'lookup', message: error instanceof Error ? error.message : String(error) });
    }
  };
  const onStep = (t: Transfer, step: 'accept' | 'consent') =>
    void act(
      step === 'accept' ? `Your acceptance of ${t.transferId}` : `Your consent to ${t.transferId}`,
      () => (step === 'accept' ? transfersApi.accept(daoId, t.transferId) : transfersApi.consent(daoId, t.transferId)),
      (done) => `Transfer ${done.transferId}: ${where(done)}.`,
    );

  return (
    <section aria-labelledby="transfers-title" data-testid="transfers">
      <Title order={3} id="transfers-title">
        Transfer of rights
      </Title>
      <Text size="sm" mb="xs">
        A member hands its whole position — its group weight, ownership (its vote) and its share of future revenue — to another member of its group or to an organisation registered with its role. The recipient accepts; every founding member and members holding more than half of the ownership consent (the offer is the leaver’s consent). Each step is a transaction your organisation signs through its own ledger bridge, on every channel of the DAO that holds the position.
      </Text>
      <div aria-live="polite">
        <OutcomeView outcome={outcome} />
      </div>
      <Stack gap="md" mt="xs">
        {activeMember ? (
          <form onSubmit={submitOffer} aria-labelledby="offer-transfer-title" data-testid="offer-transfer">
            <Stack gap="xs">
              <Title order={4} id="offer-transfer-title">
                Transfer my position
              </Title>
              <TextInput
                label="Recipient (MSP id)"
                description={`${sameGroup.length > 0 ? `members of your group ${self?.group}: ${sameGroup.join(', ')}; or ` : ''}an organisation registered as a ${self?.role}. A newcomer accepts in its own console once the members’ admins have added it to the DAO’s channels (./dev dao transfer seat --transfer <id>: config updates that each member’s own bridge checks and signs with its admin key, which this console does not hold).`}
                value={recipient}
                onChange={(e) => setRecipient(e.currentTarget.value)}
              />
              {invalid?.field === 'offer' && (
                <Text c="red.9" role="alert" data-testid="transfer-invalid">
                  {invalid.message}
                </Text>
              )}
              <Group>
                <Button type="submit" variant="outline" color="red.9" disabled={busy}>
                  Offer my position
                </Button>
              </Group>
            </Stack>
          </form>
        ) : (
          <Text size="sm">{top ? `You are ${self ? self.status : 'not a member'} in version ${top.version}: you have no position to transfer.` : 'The DAO’s top version is not read yet.'}</Text>
        )}
        <form onSubmit={submitLookup} aria-labelledby="find-transfer-title" data-testid="find-transfer">
          <Stack gap="xs">
            <Title order={4} id="find-transfer-title">
              A transfer offered to you or to consent to
            </Title>
            <Group align="flex-end">
              <TextInput label="Transfer id" description="as the leaving member gives it" value={lookup} onChange={(e) => setLookup(e.currentTarget.value)} />
              <Button type="submit" variant="outline">
                Show the transfer
              </Button>
            </Group>
            {invalid?.field === 'lookup' && (
              <Text c="red.9" role="alert" data-testid="transfer-invalid">
                {invalid.message}
              </Text>
            )}
          </Stack>
        </form>
        {shown.map((id) => (
          <TransferView key={id} daoId={daoId} transferId={id} me={me} activeMember={activeMember} busy={busy} onStep={onStep} />
        ))}
      </Stack>
      <Modal opened={confirming !== undefined} onClose={() => setConfirming(undefined)} title={`Transfer your position in DAO ${daoId}?`} closeButtonProps={{ 'aria-label': 'Close' }}>
        <Stack>
          <Text>
            Your organisation offers its whole position to {confirming}: once {confirming} accepts and the members consent, your organisation is no longer a member{self ? ` (your ownership, ${percent(self.ownershipPpm)}, becomes ${confirming}’s)` : ''}. Revenue allocated before stays yours.
          </Text>
          <Group justify="flex-end">
            <Button variant="outline" onClick={() => setConfirming(undefined)}>
              Keep it
            </Button>
            <Button color="red.9" onClick={offer}>
              Offer the transfer
            </Button>
          </Group>
        </Stack>
      </Modal>
    </section>
  );
}
