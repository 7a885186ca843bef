import { Alert, Button, Code, Group, Stack, Table, Text, Textarea, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, Navigate, useParams } from 'react-router';
import { sessionsApi, type Agreement, type Proposal, type SessionView } from '../api/negotiation';
import { heldKey, holdKey, importSigningKey, signWith } from '../auth/keyring';
import { useSession } from '../auth/session';
import { NegotiationSignIn } from '../components/NegotiationSignIn';
import { ProposalForm } from '../components/ProposalForm';
import { SessionHistory } from '../components/SessionHistory';
import { Failure, Loading, StatusBadge } from '../components/Status';
import { LiveIndicator } from '../live/LiveIndicator';
import { useSessionLive } from '../live/useSessionLive';
import { percent } from '../negotiation/advisor';
import { bytesToSign } from '../negotiation/agreement-check';
import { signedProposal } from '../negotiation/proposal-signing';

/**
 * While a session is open the other parties may propose or sign at any moment: the room follows the
 * session's live stream, and polls only while the stream is not live (connecting, broken, refused).
 */
export const ROOM_POLL_MS = 1500;

/**
 * The negotiation room of one session: its parties, the current proposal as the agreement the ledger
 * would record and who signed it, signing and accepting it in the page (the key held since sign-in),
 * a proposal or counter-proposal with the β advisor, signed in the page too, and the history.
 */
export default function NegotiationRoomPage() {
  const { sessionId = '' } = useParams();
  const { session: me } = useSession();
  const queries = useQueryClient();
  const signedInThere = me?.negotiation !== undefined && 'token' in me.negotiation;
  const live = useSessionLive(sessionId, signedInThere);
  const view = useQuery({
    queryKey: ['session', sessionId],
    enabled: signedInThere,
    queryFn: () => sessionsApi.get(sessionId),
    refetchInterval: (q) => (live.status !== 'live' && (q.state.data?.status === 'open' || q.state.data?.status === 'agreed') ? ROOM_POLL_MS : false),
  });
  const history = useQuery({
    queryKey: ['session-history', sessionId, view.data?.updatedAt],
    enabled: signedInThere && view.data !== undefined,
    queryFn: () => sessionsApi.history(sessionId),
  });
  const refresh = (s: SessionView) => {
    queries.setQueryData(['session', sessionId], s);
    void queries.invalidateQueries({ queryKey: ['sessions'] });
  };
  // The key that signs proposals and acceptances: held since sign-in, or loaded here after a reload
  // (held once the service has accepted a signature made with it).
  const [privateKeyPem, setPrivateKey] = useState('');
  const held = heldKey(me?.mspId);
  const signer: Signer = {
    key: async () => held ?? (await importSigningKey(privateKeyPem)),
    keep: (key) => {
      if (held || !me) return;
      holdKey(key, me.mspId);
      setPrivateKey('');
    },
  };
  const propose = useMutation({
    mutationFn: async ({ answers, proposal }: { answers: number; proposal: Proposal }) => {
      const key = await signer.key();
      const result = await sessionsApi.propose(sessionId, await signedProposal(key, me!.certificatePem!, sessionId, answers, proposal));
      signer.keep(key);
      return result;
    },
    onSuccess: refresh,
  });
  const [signed, setSigned] = useState<{ revision: number; sha256: string } | undefined>();
  if (!me) return <Navigate to="/sign-in" replace />;
  if (!signedInThere) return <NegotiationSignIn />;
  if (view.isPending) return <Loading label="Loading the session" />;
  if (view.isError) return <Failure error={view.error} />;
  const s = view.data;
  const accepted = new Set(s.acceptances.map((a) => a.mspId));
  return (
    <Stack>
      <Group justify="space-between" align="flex-start">
        <Title order={2}>
          {s.kind === 'formation' ? 'Forming' : 'Joining'} DAO {s.daoId} (version {s.version})
        </Title>
        <Group gap="xs">
          <LiveIndicator state={live} liveTitle="The other parties' proposals and signatures appear here as the negotiation service records them" />
          <StatusBadge status={s.status} />
          <Text size="sm" fw={600} data-testid="session-revision">
            revision {s.revision}
          </Text>
        </Group>
      </Group>
      {s.failure && <Failure error={new Error(`${s.failure.code}: ${s.failure.message}`)} />}
      {s.status === 'agreed' && (
        <Alert color="indigo" variant="light" title="Agreement reached" role="status" data-testid="agreed">
          Every required party signed revision {s.revision}: agreement {s.agreementId} went to the ledger, which creates the DAO version and its channel.
        </Alert>
      )}
      {s.status === 'formed' && (
        <Alert color="indigo" variant="light" title="DAO formed" role="status" data-testid="formed">
          <Text size="sm">The ledger recorded version {s.version} of DAO {s.daoId} from agreement {s.agreementId}: its channel is formed and every member’s peer joined it.</Text>
          <Button component={Link} to={`/my/daos/${encodeURIComponent(s.daoId)}`} size="xs" mt="xs">
            Open DAO {s.daoId}
          </Button>
        </Alert>
      )}
      <section aria-labelledby="parties-title">
        <Title order={3} id="parties-title">
          Parties
        </Title>
        <Table data-testid="parties">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Participant</Table.Th>
              <Table.Th>Role</Table.Th>
              <Table.Th>Group</Table.Th>
              <Table.Th>Must accept</Table.Th>
              <Table.Th>Revision {s.revision}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {s.parties.map((p) => (
              <Table.Tr key={p.mspId}>
                <Table.Td style={{ wordBreak: 'break-all' }}>
                  {p.mspId}
                  {p.mspId === me.mspId ? ' (you)' : ''}
                </Table.Td>
                <Table.Td>{p.role}</Table.Td>
                <Table.Td>{p.group}</Table.Td>
                <Table.Td>{p.required ? 'yes' : 'by majority'}</Table.Td>
                <Table.Td data-testid={`accepted-${p.mspId}`}>{accepted.has(p.mspId) ? 'signed' : s.proposal ? 'not yet' : '—'}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </section>
      {s.proposal ? (
        <CurrentProposal session={s} agreement={s.proposal.agreement} />
      ) : (
        <Text data-testid="no-proposal">No proposal yet: any party may make the first.</Text>
      )}
      {signed && (
        <Text size="sm" role="status" data-testid="signed-digest">
          You signed revision {signed.revision}: the canonical JSON of its agreement, SHA-256 <Code>{signed.sha256}</Code>
        </Text>
      )}
      {!held && (s.status === 'open' || (s.status === 'agreed' && !accepted.has(me.mspId))) && (
        <Textarea
          label="Private key (PKCS#8 PEM) to sign with"
          description="This page no longer holds your key (it was reloaded): load it again to sign a proposal or an acceptance; it stays in the page."
          required
          autosize
          minRows={3}
          maxRows={8}
          maw={640}
          value={privateKeyPem}
          onChange={(e) => setPrivateKey(e.currentTarget.value)}
          spellCheck={false}
          autoComplete="off"
          styles={{ input: { fontFamily: 'monospace' } }}
        />
      )}
      {!me.certificatePem && <Text role="alert">This sign-in kept no certificate: sign out and sign in again to propose or accept.</Text>}
      {s.proposal && (s.status === 'open' || s.status === 'agreed') && !accepted.has(me.mspId) && (
        <SignAndAccept
          session={s}
          signer={signer}
          onDone={(next, sha256) => {
            setSigned({ revision: s.revision, sha256 });
            refresh(next);
          }}
        />
      )}
      {s.status === 'open' && (
        <ProposalForm key={s.revision} session={s} pending={propose.isPending} error={propose.error} disabled={!me.certificatePem} onSubmit={(proposal) => propose.mutate({ answers: s.revision, proposal })} />
      )}
      {history.data && <SessionHistory history={history.data} />}
      {history.isError && <Failure error={history.error} />}
    </Stack>
  );
}

function CurrentProposal({ session, agreement }: { session: SessionView; agreement: Agreement }) {
  const p = session.proposal!;
  return (
    <section aria-labelledby="current-title" data-testid="current-proposal">
      <Title order={3} id="current-title">
        Revision {p.revision}: proposed by {p.proposedBy}
      </Title>
      <Text size="sm" data-testid="proposal-signature" style={{ wordBreak: 'break-all' }}>
        {p.signed
          ? `Signed by ${p.enrollmentId}@${p.proposedBy} over {session, answers revision ${p.signed.answers}, proposal}: certificate SHA-256 ${p.signed.certificateFingerprint}`
          : 'Not signed: proposed before proposals were signed'}
      </Text>
      <Text size="sm">
        {new Date(p.proposedAt).toLocaleString()} · agreement {agreement.agreementId} · β <span data-testid="current-beta">{percent(agreement.betaPpm)}</span>
        {session.acceptance && !session.acceptance.complete && session.acceptance.waitingFor.length > 0 ? ` · waiting for ${session.acceptance.waitingFor.join(', ')}` : ''}
      </Text>
      <Table mt="xs" data-testid="agreement-members">
        <Table.Caption>Members and ownership as the service computed them</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Member</Table.Th>
            <Table.Th>Group</Table.Th>
            <Table.Th>Weight</Table.Th>
            <Table.Th>Ownership</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {agreement.members.map((m) => (
            <Table.Tr key={m.mspId}>
              <Table.Td style={{ wordBreak: 'break-all' }}>{m.mspId}</Table.Td>
              <Table.Td>{m.group}</Table.Td>
              <Table.Td>{m.weight}</Table.Td>
              <Table.Td data-testid={`ownership-${m.mspId}`}>{percent(m.ownershipPpm)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Table mt="xs" data-testid="agreement-terms">
        <Table.Caption>Terms</Table.Caption>
        <Table.Tbody>
          {(
            [
              ['Duration', `${agreement.terms.durationDays} days`],
              ['Business model', agreement.terms.businessModel],
              ['Heartbeat interval', `${agreement.terms.heartbeatIntervalSeconds} s`],
              ['Abandoned after', `${agreement.terms.abandonAfterSeconds} s`],
              ['Exit notice', `${agreement.terms.exitNoticeSeconds} s`],
              ['Computations', agreement.terms.computations.map((c) => `${c.name} → ${c.resultRecipients.join(', ')}`).join('; ') || 'none'],
              ['Workloads', agreement.infrastructure.workloads.map((w) => `${w.name} (${w.kind}, ${w.owner}, ${w.placement === 'managed' ? 'cloud' : w.placement})`).join('; ')],
              ['Document digest', agreement.documentDigest],
            ] as const
          ).map(([k, v]) => (
            <Table.Tr key={k}>
              <Table.Th scope="row" w="30%">
                {k}
              </Table.Th>
              <Table.Td style={{ wordBreak: 'break-all' }} data-testid={`term-${k.toLowerCase().replace(/ /g, '-')}`}>
                {v}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </section>
  );
}

/** Signs with the identity's key: the one held since sign-in or the one loaded in the room. */
interface Signer {
  key(): Promise<CryptoKey>;
  /** Holds a loaded key once the service accepted a signature made with it. */
  keep(key: CryptoKey): void;
}

/**
 * Accepting: the page fetches the revision's agreement, writes its canonical JSON itself and checks
 * it against the service's bytes and the document digest (negotiation/agreement-check.ts), signs it
 * with the key held since sign-in (or one loaded in the room after a reload) and sends the signature.
 */
function SignAndAccept({ session, signer, onDone }: { session: SessionView; signer: Signer; onDone: (s: SessionView, sha256: string) => void }) {
  const { session: me } = useSession();
  const accept = useMutation({
    mutationFn: async () => {
      const toSign = await sessionsApi.agreement(session.id);
      const { canonical, sha256 } = await bytesToSign(toSign, session.proposal!.agreement);
      const key = await signer.key();
      const signature = await signWith(key, canonical);
      const result = await sessionsApi.accept(session.id, { revision: toSign.revision, certificatePem: me!.certificatePem!, signature });
      signer.keep(key);
      return { result, sha256 };
    },
    onSuccess: ({ result, sha256 }) => onDone(result, sha256),
  });
  return (
    <section aria-labelledby="accept-title">
      <Title order={3} id="accept-title">
        Sign and accept
      </Title>
      <Text size="sm" mb="xs">
        Your key signs the canonical JSON of revision {session.revision}’s agreement in this page (ECDSA-SHA256); the service and the ledger verify it with your enrolled certificate.
        {session.status === 'agreed' ? ' The agreement was reached without you: your signature is recorded as a late acceptance.' : ''}
      </Text>
      <Stack gap="xs" maw={640}>
        {accept.isError && <Failure error={accept.error} />}
        <Group>
          <Button onClick={() => accept.mutate()} loading={accept.isPending} disabled={!me?.certificatePem}>
            Sign and accept revision {session.revision}
          </Button>
        </Group>
      </Stack>
    </section>
  );
}
