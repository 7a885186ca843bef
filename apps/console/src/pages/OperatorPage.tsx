import { Alert, Badge, Button, Checkbox, Code, Group, NativeSelect, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Navigate } from 'react-router';
import { operatorApi, type ListedParticipant, type NetworkView } from '../api/operator';
import { useSession } from '../auth/session';
import { PendingAdmissions } from '../components/PendingAdmissions';
import { ReasonDialog, useReasonDialog } from '../components/ReasonDialog';
import { Failure, Loading, StatusBadge } from '../components/Status';

const when = (ms: number) => new Date(ms).toLocaleString();

/**
 * The operator's page, for its administrators (OperatorMSP, OU=admin): the participants the
 * marketplace chaincode registered, with their suspension and reinstatement (each with a reason,
 * recorded on the ledger), the registrations waiting at the marketplace for admission (its manual
 * admission), the admission of an organisation, and the network its orderers serve. All but the
 * pending admissions is read and done through the operator's own ledger bridge; every route admits
 * only its administrators; nothing here is a member's private state.
 */
export default function OperatorPage() {
  const { session } = useSession();
  if (!session) return <Navigate to="/sign-in" replace />;
  if (session.role !== 'OPERATOR') {
    return (
      <Stack>
        <Title order={2}>Operator</Title>
        <Alert color="indigo" variant="light" title="For the operator’s administrators" role="note" data-testid="not-operator">
          This page is the operator’s: sign in with an administrator identity of the operator’s organisation to see it.
        </Alert>
      </Stack>
    );
  }
  return (
    <Stack>
      <Title order={2}>Operator</Title>
      {session.operator && 'token' in session.operator ? (
        <>
          <Participants />
          <PendingAdmissions />
          <Admit />
          <Network />
        </>
      ) : (
        <Alert color="red" variant="light" title="Not signed in at the operator’s ledger bridge" role="note" data-testid="operator-notice">
          {session.operator && 'error' in session.operator ? session.operator.error : 'Sign out and sign in again.'} The participants and the network are read through the operator’s ledger bridge: the operator’s console serves it.
        </Alert>
      )}
    </Stack>
  );
}

type Sanction = { participant: ListedParticipant; suspend: boolean };

function Participants() {
  const queryClient = useQueryClient();
  const list = useQuery({ queryKey: ['operator', 'participants'], queryFn: operatorApi.participants });
  const [done, setDone] = useState<string | undefined>();
  const sanction = useReasonDialog(
    (s: Sanction, reason: string) => (s.suspend ? operatorApi.suspend(s.participant.mspId, reason) : operatorApi.reinstate(s.participant.mspId, reason)),
    (record) => {
      setDone(`${record.mspId} is ${record.status}${record.sanction ? ` (${record.sanction.reason})` : ''}, as the ledger now records it.`);
      void queryClient.invalidateQueries({ queryKey: ['operator', 'participants'] });
    },
  );
  return (
    <Stack gap="xs">
      <Title order={3}>Participants</Title>
      <Text size="sm">
        The organisations registered on the ledger (the marketplace chaincode’s registry). A suspended participant posts no offers, opens no negotiations and joins no DAO until it is reinstated; it still signs in. Each suspension and reinstatement is given with a reason, recorded on the
        ledger with your identity.
      </Text>
      {done && (
        <Alert color="green" variant="light" role="status" data-testid="sanction-done" withCloseButton closeButtonLabel="Dismiss" onClose={() => setDone(undefined)}>
          {done}
        </Alert>
      )}
      {list.isPending ? (
        <Loading label="Loading the participants" />
      ) : list.isError ? (
        <Failure error={list.error} />
      ) : list.data.participants.length === 0 ? (
        <Text data-testid="no-participants">No participant is registered yet.</Text>
      ) : (
        <Table.ScrollContainer minWidth={720}>
          <Table data-testid="participants" aria-label="Participants">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>MSP</Table.Th>
                <Table.Th>Name</Table.Th>
                <Table.Th>Role</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Registered</Table.Th>
                <Table.Th>Last sanction</Table.Th>
                <Table.Th>Action</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data.participants.map((p) => (
                <Table.Tr key={p.mspId} data-testid="participant-row" data-msp={p.mspId} data-status={p.status}>
                  <Table.Td>
                    <Code>{p.mspId}</Code>
                  </Table.Td>
                  <Table.Td>{p.name}</Table.Td>
                  <Table.Td>{p.role}</Table.Td>
                  <Table.Td data-testid="participant-status" miw={120}>
                    <StatusBadge status={p.status} />
                  </Table.Td>
                  <Table.Td>{when(p.registeredAtMs)}</Table.Td>
                  <Table.Td data-testid="participant-sanction">{p.sanction ? `${p.sanction.reason} (${when(p.sanction.atMs)}, ${p.sanction.by.split(':')[0]})` : '—'}</Table.Td>
                  <Table.Td>
                    {p.status === 'suspended' ? (
                      <Button size="xs" variant="outline" onClick={() => sanction.open({ participant: p, suspend: false })} aria-label={`Reinstate ${p.mspId}`}>
                        Reinstate
                      </Button>
                    ) : (
                      <Button size="xs" color="red" variant="outline" onClick={() => sanction.open({ participant: p, suspend: true })} aria-label={`Suspend ${p.mspId}`}>
                        Suspend
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <ReasonDialog
        dialog={sanction}
        title={`${sanction.target?.suspend ? 'Suspend' : 'Reinstate'} ${sanction.target?.participant.mspId ?? ''}`}
        formLabel={sanction.target?.suspend ? 'Suspension' : 'Reinstatement'}
        reasonHelp="Recorded on the ledger with your identity (1-512 characters)"
        maxLength={512}
        confirm={sanction.target?.suspend ? 'Suspend' : 'Reinstate'}
        danger={sanction.target?.suspend === true}
      >
        {sanction.target?.suspend
          ? `${sanction.target.participant.name} will post no offers, open no negotiations and join no DAO until reinstated.`
          : `${sanction.target?.participant.name ?? ''} may again post offers, negotiate and join DAOs.`}
      </ReasonDialog>
    </Stack>
  );
}

/**
 * Admission: an organisation that registered through the marketplace is admitted by the operator's
 * bridge by itself (its network command), or, with the marketplace's manual admission, once an
 * administrator admits it above; this admits one directly, or finishes an admission that failed (the
 * bridge's steps are idempotent).
 */
function Admit() {
  const queryClient = useQueryClient();
  const [mspId, setMspId] = useState('');
  const [role, setRole] = useState<'DSP' | 'VSP'>('DSP');
  const [name, setName] = useState('');
  const [ownCa, setOwnCa] = useState(true);
  const admit = useMutation({
    mutationFn: () => operatorApi.admit({ mspId: mspId.trim(), role, name: name.trim(), ...(ownCa ? { ownCa } : {}) }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['operator'] }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    admit.mutate();
  };
  return (
    <Stack gap="xs">
      <Title order={3}>Admit an organisation</Title>
      <Text size="sm">
        An organisation that registers through the marketplace is admitted by the operator’s bridge by itself, or once you admit it above when the marketplace’s admission is manual. Here you admit one directly, or finish an admission that failed: the operator makes its CA and peer, or, for an organisation in its own trust domain, admits it from the MSP
        package its domain published (no key of it leaves its domain), adds it to the <Code>marketplace</Code> channel and registers it on the ledger. It can take a few minutes.
      </Text>
      <form onSubmit={submit} aria-label="Admit an organisation">
        <Group align="flex-end" gap="sm">
          <TextInput label="MSP id" required value={mspId} onChange={(e) => setMspId(e.currentTarget.value)} name="mspId" placeholder="AcmeDspMSP" />
          <NativeSelect label="Role" value={role} onChange={(e) => setRole(e.currentTarget.value as 'DSP' | 'VSP')} data={['DSP', 'VSP']} name="role" />
          <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} name="name" />
          <Checkbox label="In its own trust domain (its own CA)" checked={ownCa} onChange={(e) => setOwnCa(e.currentTarget.checked)} name="ownCa" mb={8} />
          <Button type="submit" loading={admit.isPending}>
            Admit
          </Button>
        </Group>
      </form>
      {admit.isError && <Failure error={admit.error} />}
      {admit.isSuccess && (
        <Alert color="green" variant="light" role="status" data-testid="admitted">
          {admit.data.mspId} is registered on the ledger ({admit.data.status}).
        </Alert>
      )}
    </Stack>
  );
}

function Network() {
  const network = useQuery({ queryKey: ['operator', 'network'], queryFn: operatorApi.network });
  return (
    <Stack gap="xs">
      <Title order={3}>Network</Title>
      <Text size="sm">
        The channels the operator’s orderers serve, as their channel participation API lists them, each with the organisations of its latest configuration block (the ordering service’s own view: no ledger state of any member is read), the orderers, and each organisation’s peer as the
        operator knows it from public material.
      </Text>
      {network.isPending ? <Loading label="Loading the network" /> : network.isError ? <Failure error={network.error} /> : <NetworkTables view={network.data} />}
    </Stack>
  );
}

function NetworkTables({ view }: { view: NetworkView }) {
  return (
    <>
      <Title order={4}>Channels</Title>
      <Table.ScrollContainer minWidth={720}>
        <Table data-testid="channels" aria-label="Channels">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Channel</Table.Th>
              <Table.Th>Organisations</Table.Th>
              <Table.Th>Served by</Table.Th>
              <Table.Th>Consensus</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {view.channels.map((c) => (
              <Table.Tr key={c.name} data-testid="channel-row" data-channel={c.name}>
                <Table.Td>
                  <Code>{c.name}</Code>
                </Table.Td>
                <Table.Td data-testid="channel-organisations">
                  <Group gap={4}>
                    {c.organisations.map((o) => (
                      <Badge key={o.mspId} variant="outline" color="dark" tt="none" title={o.anchorPeers.length ? `anchor peers: ${o.anchorPeers.join(', ')}` : undefined}>
                        {o.mspId}
                      </Badge>
                    ))}
                  </Group>
                </Table.Td>
                <Table.Td>{c.orderers.map((o) => `${o.orderer} (${o.status}, height ${o.height})`).join(', ')}</Table.Td>
                <Table.Td>
                  {c.consensusType}: {c.consenters.join(', ')}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Title order={4}>Orderers</Title>
      <Table.ScrollContainer minWidth={480}>
        <Table data-testid="orderers" aria-label="Orderers">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Orderer</Table.Th>
              <Table.Th>MSP</Table.Th>
              <Table.Th>Endpoint</Table.Th>
              <Table.Th>Admin endpoint</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {view.orderers.map((o) => (
              <Table.Tr key={o.name} data-testid="orderer-row">
                <Table.Td>{o.name}</Table.Td>
                <Table.Td>{o.mspId}</Table.Td>
                <Table.Td>
                  <Code>{o.endpoint}</Code>
                </Table.Td>
                <Table.Td>
                  <Code>{o.adminEndpoint}</Code>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Title order={4}>Peers</Title>
      <Table.ScrollContainer minWidth={480}>
        <Table data-testid="peers" aria-label="Peers">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>MSP</Table.Th>
              <Table.Th>Endpoint</Table.Th>
              <Table.Th>TLS host name</Table.Th>
              <Table.Th>Known from</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {view.peers.map((p) => (
              <Table.Tr key={p.mspId} data-testid="peer-row" data-msp={p.mspId}>
                <Table.Td>{p.mspId}</Table.Td>
                <Table.Td>
                  <Code>{p.endpoint}</Code>
                </Table.Td>
                <Table.Td>{p.hostAlias}</Table.Td>
                <Table.Td>{p.source === 'msp-package' ? 'its domain’s MSP package' : 'the operator’s tooling'}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </>
  );
}
