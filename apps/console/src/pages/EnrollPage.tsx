import { Alert, Anchor, Button, Code, Group, List, NativeSelect, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { ApiError, marketplace, unwrap } from '../api/client';
import { useSession } from '../auth/session';
import { Failure } from '../components/Status';
import { domainCommands, domainFiles, hintFor, registrationState, type RegistrationView, type Role } from './enroll-guidance';

/** Poll of a domain's registration: the operator admits it from its public MSP package, then the ledger's event makes it active. */
export const REGISTRATION_POLL_MS = 2000;

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
 * issued. The operator makes no organisation's CA and enrolls no one: signed in, the page says how a
 * domain enrolls its people at its own CA.
 */
export default function EnrollPage() {
  const { session } = useSession();
  const registering = session === undefined;
  const [mspId, setMspId] = useState(session?.mspId ?? '');
  const [role, setRole] = useState<Role>('DSP');
  const [name, setName] = useState('');
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

  const submitRegistration = (event: FormEvent) => {
    event.preventDefault();
    register.mutate();
  };
  const organisationFields = (
    <>
      <TextInput label="MSP id" description="Your organisation’s id: letters and digits ending in “MSP”" required value={mspId} onChange={(e) => setMspId(e.currentTarget.value)} name="mspId" />
      <NativeSelect label="Role" data={[{ value: 'DSP', label: 'DSP (data owner)' }, { value: 'VSP', label: 'VSP (value provider)' }]} value={role} onChange={(e) => setRole(e.currentTarget.value as Role)} />
      <TextInput label="Organisation name" required value={name} onChange={(e) => setName(e.currentTarget.value)} name="name" />
    </>
  );

  if (!registering) {
    return (
      <Stack maw={720}>
        <Title order={2}>A new identity of {session.mspId}</Title>
        <Alert color="indigo" variant="light" title="In a trust domain, identities are made at its own CA" role="note" data-testid="domain-identities">
          An organisation in its own trust domain enrolls its people at its own Fabric CA, in its domain (Fabric CA’s client, as the domain’s user, with the registrar kept in its folder{' '}
          <Code>.stack/domains/{session.mspId}</Code>): the operator holds no key of it and enrolls no one.
        </Alert>
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
      <Text size="sm">
        Already registered? <Anchor component={Link} to="/sign-in">Sign in</Anchor>.
      </Text>
    </Stack>
  );
}
