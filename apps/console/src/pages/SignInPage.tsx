import { Alert, Anchor, Button, FileButton, Group, Stack, Text, Textarea, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, Navigate, useNavigate } from 'react-router';
import { signIn, useSession, type Session } from '../auth/session';
import { Failure } from '../components/Status';

/** Where a session starts: the operator's administrator on its page, a participant on its offers. */
const home = (s: Session) => (s.role === 'OPERATOR' ? '/operator' : '/my/offers');

export default function SignInPage() {
  const { session, signedIn } = useSession();
  const navigate = useNavigate();
  const [certificatePem, setCertificate] = useState('');
  const [privateKeyPem, setPrivateKey] = useState('');
  const login = useMutation({
    mutationFn: () => signIn(certificatePem, privateKeyPem),
    onSuccess: (s) => {
      // The key's text is dropped with the form; only the token is kept (sessionStorage, this tab).
      setPrivateKey('');
      signedIn(s);
      navigate(home(s));
    },
  });
  if (session && !login.isSuccess) return <Navigate to={home(session)} replace />;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    login.mutate();
  };
  const load = (set: (text: string) => void) => (file: File | null) => {
    if (file) void file.text().then(set);
  };
  return (
    <Stack maw={640}>
      <Title order={2}>Sign in</Title>
      <Alert color="indigo" variant="light" title="Your key stays in this page" role="note">
        Sign in with an identity enrolled at your organisation’s CA (a participant’s, or an administrator of the operator’s): its certificate and its private key (PKCS#8 PEM, ECDSA). The key is imported into this page’s
        WebCrypto as a key that cannot be exported, signs the services’ one-time challenges and, in the negotiation room, the agreements you accept; it stays in this page’s memory until you sign out or reload, and is never sent or stored. The tokens last an hour and are kept in this tab only.
      </Alert>
      <form onSubmit={submit} aria-label="Sign in">
        <Stack gap="sm">
          <Textarea label="Certificate (PEM)" required autosize minRows={4} maxRows={10} value={certificatePem} onChange={(e) => setCertificate(e.currentTarget.value)} name="certificate" spellCheck={false} styles={{ input: { fontFamily: 'monospace' } }} />
          <Group>
            <FileButton onChange={load(setCertificate)} accept=".pem,.crt,.cert,text/plain">
              {(props) => (
                <Button variant="outline" size="xs" {...props}>
                  Load certificate file
                </Button>
              )}
            </FileButton>
          </Group>
          <Textarea label="Private key (PKCS#8 PEM)" required autosize minRows={4} maxRows={10} value={privateKeyPem} onChange={(e) => setPrivateKey(e.currentTarget.value)} name="privateKey" spellCheck={false} autoComplete="off" styles={{ input: { fontFamily: 'monospace' } }} />
          <Group>
            <FileButton onChange={load(setPrivateKey)} accept=".pem,.key,text/plain">
              {(props) => (
                <Button variant="outline" size="xs" {...props}>
                  Load key file
                </Button>
              )}
            </FileButton>
          </Group>
          {login.isError && <Failure error={login.error} />}
          <Group>
            <Button type="submit" loading={login.isPending}>
              Sign in
            </Button>
          </Group>
          <Text size="sm">
            No identity yet?{' '}
            <Anchor component={Link} to="/identities/new">
              Register your organisation
            </Anchor>
            : create its own trust domain, register it, and sign in with an identity its own CA issued.
          </Text>
        </Stack>
      </form>
    </Stack>
  );
}
