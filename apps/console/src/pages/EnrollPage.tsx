import { Alert, Anchor, Button, Code, Group, NativeSelect, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { marketplace, unwrap } from '../api/client';
import { newKeyAndRequest } from '../auth/csr';
import { signIn, useSession } from '../auth/session';
import { Failure } from '../components/Status';

/** GET /participants/:mspId/identities/:enrollmentId (the document gives no response schema). */
interface IdentityState {
  status: 'pending' | 'requested' | 'enrolled' | 'failed';
  certificatePem?: string | null;
  caCertPem?: string | null;
  failure?: { code: string; message: string } | null;
}

/** Poll of the enrollment: the network enrolls at the organisation's CA, then the marketplace has the certificate. */
export const ENROLL_POLL_MS = 1000;

/** A link that saves `text` as a file (a Blob URL, revoked when the link goes). */
function SaveLink({ text, file, children }: { text: string; file: string; children: string }) {
  const [url, setUrl] = useState<string>();
  useEffect(() => {
    const u = URL.createObjectURL(new Blob([text], { type: 'application/x-pem-file' }));
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [text]);
  return url ? (
    <Anchor href={url} download={file}>
      {children}
    </Anchor>
  ) : null;
}

/**
 * A new identity whose key is made in this page: a participant registers its organisation with its
 * first identity, or a signed-in participant enrolls another identity of its organisation. The page
 * generates the key and the certificate request (auth/csr.ts), sends only the request, offers the key
 * as a file to keep, waits for the certificate and can sign in with the two.
 */
export default function EnrollPage() {
  const { session, signedIn } = useSession();
  const navigate = useNavigate();
  const registering = session === undefined;
  const [mspId, setMspId] = useState(session?.mspId ?? '');
  const [role, setRole] = useState<'DSP' | 'VSP'>('DSP');
  const [name, setName] = useState('');
  const [enrollmentId, setEnrollmentId] = useState('');
  const [made, setMade] = useState<{ mspId: string; enrollmentId: string; privateKeyPem: string } | undefined>();
  const send = useMutation({
    mutationFn: async () => {
      const { privateKeyPem, csrPem } = await newKeyAndRequest(enrollmentId.trim());
      const identity = { enrollmentId: enrollmentId.trim(), csrPem };
      if (registering) unwrap(await marketplace.POST('/participants', { body: { mspId: mspId.trim(), role, name: name.trim(), identity } }));
      else unwrap(await marketplace.POST('/participants/{mspId}/identities', { params: { path: { mspId: session.mspId } }, body: identity }));
      return { mspId: registering ? mspId.trim() : session.mspId, enrollmentId: identity.enrollmentId, privateKeyPem };
    },
    onSuccess: setMade,
  });
  const state = useQuery({
    queryKey: ['identity', made?.mspId, made?.enrollmentId],
    enabled: made !== undefined,
    queryFn: async () =>
      unwrap(await marketplace.GET('/participants/{mspId}/identities/{enrollmentId}', { params: { path: { mspId: made!.mspId, enrollmentId: made!.enrollmentId } } })) as unknown as IdentityState,
    refetchInterval: (q) => (q.state.data?.status === 'enrolled' || q.state.data?.status === 'failed' ? false : ENROLL_POLL_MS),
  });
  const useIt = useMutation({
    mutationFn: () => signIn(state.data!.certificatePem!, made!.privateKeyPem),
    onSuccess: (s) => {
      setMade(undefined);
      signedIn(s);
      navigate('/my/offers');
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    send.mutate();
  };
  const enrolled = state.data?.status === 'enrolled' && state.data.certificatePem ? state.data.certificatePem : undefined;
  return (
    <Stack maw={680}>
      <Title order={2}>{registering ? 'Register your organisation' : `A new identity of ${session.mspId}`}</Title>
      <Alert color="indigo" variant="light" title="The key is made in this page" role="note">
        This page generates an ECDSA P-256 key with WebCrypto and a certificate request for it; only the request is sent, for your organisation’s CA to sign. Save the key file
        when it is offered: it is not stored anywhere else, and it is what you sign in with.
      </Alert>
      {!made ? (
        <form onSubmit={submit} aria-label={registering ? 'Register' : 'New identity'}>
          <Stack gap="sm">
            {registering && (
              <>
                <TextInput label="MSP id" description="Your organisation’s id: letters and digits ending in “MSP”" required value={mspId} onChange={(e) => setMspId(e.currentTarget.value)} name="mspId" />
                <NativeSelect label="Role" data={[{ value: 'DSP', label: 'DSP (data owner)' }, { value: 'VSP', label: 'VSP (value provider)' }]} value={role} onChange={(e) => setRole(e.currentTarget.value as 'DSP' | 'VSP')} />
                <TextInput label="Organisation name" required value={name} onChange={(e) => setName(e.currentTarget.value)} name="name" />
              </>
            )}
            <TextInput label="Enrollment id" description="The identity’s name at your CA (its certificate’s CN)" required value={enrollmentId} onChange={(e) => setEnrollmentId(e.currentTarget.value)} name="enrollmentId" />
            {send.isError && <Failure error={send.error} />}
            <Group>
              <Button type="submit" loading={send.isPending}>
                Generate a key and request a certificate
              </Button>
            </Group>
          </Stack>
        </form>
      ) : (
        <Stack gap="sm">
          <Text role="status" data-testid="enroll-status">
            {enrolled
              ? `Enrolled: ${made.enrollmentId} of ${made.mspId} has its certificate.`
              : state.data?.status === 'failed'
                ? `The enrollment failed${state.data.failure ? `: ${state.data.failure.code} ${state.data.failure.message}` : ''}.`
                : `Request sent for ${made.enrollmentId} of ${made.mspId}: waiting for the CA (${state.data?.status ?? 'pending'})…`}
          </Text>
          <Text>
            <SaveLink text={made.privateKeyPem} file={`${made.enrollmentId}.key`}>
              Save the private key
            </SaveLink>{' '}
            (PKCS#8 PEM; keep it safe)
            {enrolled && (
              <>
                {' · '}
                <SaveLink text={enrolled} file={`${made.enrollmentId}.crt`}>
                  Save the certificate
                </SaveLink>
              </>
            )}
          </Text>
          {enrolled && (
            <>
              <Code block style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }} data-testid="certificate">
                {enrolled}
              </Code>
              {useIt.isError && <Failure error={useIt.error} />}
              <Group>
                <Button onClick={() => useIt.mutate()} loading={useIt.isPending}>
                  Sign in with this identity
                </Button>
              </Group>
            </>
          )}
          {state.isError && <Failure error={state.error} />}
        </Stack>
      )}
      {registering && !made && (
        <Text size="sm">
          Already enrolled? <Anchor component={Link} to="/sign-in">Sign in</Anchor>.
        </Text>
      )}
    </Stack>
  );
}
