import { Alert, Anchor, Button, Code, Group, List, NativeSelect, Radio, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { ApiError, marketplace, unwrap } from '../api/client';
import { newKeyAndRequest } from '../auth/csr';
import { signIn, useSession } from '../auth/session';
import { Failure } from '../components/Status';
import { domainCommands, domainFiles, hintFor, registrationState, type RegistrationView, type Role } from './enroll-guidance';

/** GET /participants/:mspId/identities/:enrollmentId (the document gives no response schema). */
interface IdentityState {
  status: 'pending' | 'requested' | 'enrolled' | 'failed';
  certificatePem?: string | null;
  caCertPem?: string | null;
  failure?: { code: string; message: string } | null;
}

/** Poll of the enrollment: the network enrolls at the organisation's CA, then the marketplace has the certificate. */
export const ENROLL_POLL_MS = 1000;
/** Poll of a domain's registration: the operator admits it from its public MSP package, then the ledger's event makes it active. */
export const REGISTRATION_POLL_MS = 2000;

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

/** A refusal as the service explained it, and what to do about it when the page knows. */
function Refusal({ error, mspId, role }: { error: unknown; mspId: string; role: Role }) {
  const hint = hintFor(error instanceof ApiError ? error.code : undefined, mspId, role);
  return (
    <Stack gap={4}>
      <Failure error={error} />
      {hint && <Text data-testid="refusal-hint">{hint}</Text>}
    </Stack>
  );
}

/**
 * How an organisation joins: as a trust domain of its own (its CA, keys, peer and member services in
 * its domain, made by `./dev domain add` on its machine; the operator receives only its public MSP
 * package), registered here without any identity (`POST /participants` with MSP id, role and name:
 * the operator's bridge admits it from that package), then signed in with an identity its own CA
 * issued. The older way, where the operator makes the organisation's CA and enrolls a key made in this
 * page from its certificate request, is the operator-custody mode: served only by a marketplace whose
 * operator holds organisations in custody (MARKETPLACE_CUSTODIAL_ORGANISATIONS; off by default, when
 * it answers 422 DOMAIN_REQUIRED). Signed in, the page enrolls another identity that way (custody
 * only: a domain enrolls its people at its own CA).
 */
export default function EnrollPage() {
  const { session, signedIn } = useSession();
  const navigate = useNavigate();
  const registering = session === undefined;
  const [mode, setMode] = useState<'domain' | 'custody'>('domain');
  const [mspId, setMspId] = useState(session?.mspId ?? '');
  const [role, setRole] = useState<Role>('DSP');
  const [name, setName] = useState('');
  const [enrollmentId, setEnrollmentId] = useState('');
  const [made, setMade] = useState<{ mspId: string; enrollmentId: string; privateKeyPem: string } | undefined>();
  const [registered, setRegistered] = useState<{ mspId: string; role: Role; attempt: number } | undefined>();
  const commands = domainCommands(mspId, role);
  const files = domainFiles(mspId);

  // The domain way: registration without identity, then its state until the ledger has it (or it failed).
  const register = useMutation({
    mutationFn: async () => {
      const input = { mspId: mspId.trim(), role, name: name.trim() };
      setRegistered(undefined);
      unwrap(await marketplace.POST('/participants', { body: input }));
      // Each registration its own poll: a failed one registered again starts from nothing.
      return { mspId: input.mspId, role, attempt: Date.now() };
    },
    onSuccess: setRegistered,
  });
  const registration = useQuery({
    queryKey: ['registration', registered?.mspId, registered?.attempt],
    enabled: registered !== undefined,
    queryFn: async () => unwrap(await marketplace.GET('/participants/{mspId}', { params: { path: { mspId: registered!.mspId } } })) as unknown as RegistrationView,
    refetchInterval: (q) => (q.state.data && registrationState(registered?.mspId ?? '', q.state.data).phase !== 'waiting' ? false : REGISTRATION_POLL_MS),
  });
  const state = registered ? registrationState(registered.mspId, registration.data) : undefined;

  // Operator custody: a key made in this page and its certificate request.
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
  const enrollment = useQuery({
    queryKey: ['identity', made?.mspId, made?.enrollmentId],
    enabled: made !== undefined,
    queryFn: async () =>
      unwrap(await marketplace.GET('/participants/{mspId}/identities/{enrollmentId}', { params: { path: { mspId: made!.mspId, enrollmentId: made!.enrollmentId } } })) as unknown as IdentityState,
    refetchInterval: (q) => (q.state.data?.status === 'enrolled' || q.state.data?.status === 'failed' ? false : ENROLL_POLL_MS),
  });
  const useIt = useMutation({
    mutationFn: () => signIn(enrollment.data!.certificatePem!, made!.privateKeyPem),
    onSuccess: (s) => {
      setMade(undefined);
      signedIn(s);
      navigate('/my/offers');
    },
  });
  const submitRegistration = (event: FormEvent) => {
    event.preventDefault();
    register.mutate();
  };
  const submitRequest = (event: FormEvent) => {
    event.preventDefault();
    send.mutate();
  };
  const enrolled = enrollment.data?.status === 'enrolled' && enrollment.data.certificatePem ? enrollment.data.certificatePem : undefined;
  const custody = !registering || mode === 'custody';

  const organisationFields = (
    <>
      <TextInput label="MSP id" description="Your organisation’s id: letters and digits ending in “MSP”" required value={mspId} onChange={(e) => setMspId(e.currentTarget.value)} name="mspId" />
      <NativeSelect label="Role" data={[{ value: 'DSP', label: 'DSP (data owner)' }, { value: 'VSP', label: 'VSP (value provider)' }]} value={role} onChange={(e) => setRole(e.currentTarget.value as Role)} />
      <TextInput label="Organisation name" required value={name} onChange={(e) => setName(e.currentTarget.value)} name="name" />
    </>
  );

  const custodyForm = !made ? (
    <form onSubmit={submitRequest} aria-label={registering ? 'Register in custody' : 'New identity'}>
      <Stack gap="sm">
        {registering && organisationFields}
        <TextInput label="Enrollment id" description="The identity’s name at your CA (its certificate’s CN)" required value={enrollmentId} onChange={(e) => setEnrollmentId(e.currentTarget.value)} name="enrollmentId" />
        {send.isError && <Refusal error={send.error} mspId={mspId} role={role} />}
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
          : enrollment.data?.status === 'failed'
            ? `The enrollment failed${enrollment.data.failure ? `: ${enrollment.data.failure.code} ${enrollment.data.failure.message}` : ''}.`
            : `Request sent for ${made.enrollmentId} of ${made.mspId}: waiting for the CA (${enrollment.data?.status ?? 'pending'})…`}
      </Text>
      {enrollment.data?.status === 'failed' && hintFor(enrollment.data.failure?.code, made.mspId, role) && <Text data-testid="refusal-hint">{hintFor(enrollment.data.failure?.code, made.mspId, role)}</Text>}
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
      {enrollment.isError && <Failure error={enrollment.error} />}
    </Stack>
  );

  const custodyNote = (
    <Alert color="red" variant="light" title="Operator custody: the operator makes your CA" role="note" data-testid="custody-note">
      Only a marketplace whose operator holds organisations in custody serves this (MARKETPLACE_CUSTODIAL_ORGANISATIONS; off by default, when it answers DOMAIN_REQUIRED): the operator creates your
      organisation’s CA, peer and keys and could sign for it. Your identity’s key is made in this page with WebCrypto; only the certificate request is sent. Save the key file when it is offered: it is not
      stored anywhere else, and it is what you sign in with.
    </Alert>
  );

  if (!registering) {
    return (
      <Stack maw={720}>
        <Title order={2}>A new identity of {session.mspId}</Title>
        <Alert color="indigo" variant="light" title="In a trust domain, identities are made at its own CA" role="note" data-testid="domain-identities">
          An organisation in its own trust domain enrolls its people at its own Fabric CA, in its domain (Fabric CA’s client, as the domain’s user, with the registrar kept in its folder{' '}
          <Code>.stack/domains/{session.mspId}</Code>): the operator holds no key of it and cannot enroll them (its bridge answers ENROLL_IN_DOMAIN).
        </Alert>
        <Title order={3}>Operator custody: enroll through the operator</Title>
        {custodyNote}
        {custodyForm}
      </Stack>
    );
  }

  return (
    <Stack maw={720}>
      <Title order={2}>Register your organisation</Title>
      <Alert color="indigo" variant="light" title="Your organisation is a trust domain of its own" role="note">
        Its CA, its keys, its peer and its member services (ledger bridge, provisioner, telemetry) run in its own domain: an OS user and a folder only that user can read, on your machine. The operator
        receives only public material, your MSP and TLS CA certificates, and holds no key of yours: every transaction of your organisation is signed in your domain.
      </Alert>
      <Radio.Group label="How your organisation joins" value={mode} onChange={(v) => setMode(v as 'domain' | 'custody')} name="mode">
        <Group mt="xs">
          <Radio value="domain" label="Its own trust domain" />
          <Radio value="custody" label="Operator custody (certificate request)" />
        </Group>
      </Radio.Group>
      {custody ? (
        <>
          {custodyNote}
          {custodyForm}
        </>
      ) : (
        <>
          <Title order={3}>1. Create your domain</Title>
          <Text>On the machine that runs your organisation, in the Datawell folder:</Text>
          <Code block data-testid="domain-add-command">
            {commands.add}
          </Code>
          <List size="sm" spacing={4}>
            <List.Item>
              makes its OS user and its folder <Code>{files.folder}</Code> (mode 0700), with its own PostgreSQL, Redis and Kafka principal;
            </List.Item>
            <List.Item>starts its Fabric CA and peer: the keys of its CA, its administrator and its peer are generated there and never leave it;</List.Item>
            <List.Item>
              publishes only its public MSP package (its CA and TLS CA certificates) in <Code>{files.publicPackage}</Code>, from which the operator admits it.
            </List.Item>
          </List>
          <Title order={3}>2. Register it</Title>
          <form onSubmit={submitRegistration} aria-label="Register your domain">
            <Stack gap="sm">
              {organisationFields}
              {register.isError && <Refusal error={register.error} mspId={mspId} role={role} />}
              <Group>
                <Button type="submit" loading={register.isPending}>
                  Register my domain
                </Button>
              </Group>
            </Stack>
          </form>
          {registered && state && (
            <Stack gap={4}>
              <Text role="status" data-testid="registration-status" data-phase={state.phase}>
                {state.text}
              </Text>
              {registration.data?.status === 'failed' && hintFor(registration.data.failure?.code, registered.mspId, registered.role) && (
                <Text data-testid="refusal-hint">{hintFor(registration.data.failure?.code, registered.mspId, registered.role)}</Text>
              )}
              {registration.isError && <Failure error={registration.error} />}
            </Stack>
          )}
          <Title order={3}>3. Start its services and sign in</Title>
          <Code block data-testid="domain-start-commands">
            {`${commands.start}\n${commands.console}`}
          </Code>
          <Text size="sm">
            Its own ledger bridge joins its peer to the marketplace channel and signs its offers and DAO transactions; <Code>./dev domain console</Code> serves this console in your domain, with
            those services behind it, and prints its address. Sign in there with an identity your own CA issued, such as your administrator’s: the certificate{' '}
            <Code data-testid="admin-certificate-file">{files.certificate}</Code> and the key <Code data-testid="admin-key-file">{files.key}</Code> (readable only by root and the domain’s user; <Code>.stack</Code> is the stack’s folder, <Code>DATAWELL_STACK_DIR</Code> when set).
          </Text>
        </>
      )}
      <Text size="sm">
        Already registered? <Anchor component={Link} to="/sign-in">Sign in</Anchor>.
      </Text>
    </Stack>
  );
}
