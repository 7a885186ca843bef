import { Alert, Button, Group, Stack, Text, Textarea } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { heldKey, holdKey, importSigningKey } from '../auth/keyring';
import { negotiationLogin, useSession } from '../auth/session';

/**
 * The negotiation service issues its own tokens: the page signed in there too with the same key. When
 * that failed (the service was down, or had not yet learnt of the identity), this signs in again with
 * the key the page still holds, or asks for the key file when the page was reloaded.
 */
export function NegotiationSignIn() {
  const { session, setNegotiation } = useSession();
  const [privateKeyPem, setPrivateKey] = useState('');
  const retry = useMutation({
    mutationFn: async () => {
      const key = heldKey(session?.mspId) ?? (await importSigningKey(privateKeyPem));
      const result = await negotiationLogin(key, session!.certificatePem!);
      if ('error' in result) throw new Error(result.error);
      holdKey(key, session!.mspId);
      return result;
    },
    onSuccess: (n) => {
      setPrivateKey('');
      setNegotiation(n);
    },
  });
  if (!session || (session.negotiation && 'token' in session.negotiation)) return null;
  const why = session.negotiation && 'error' in session.negotiation ? session.negotiation.error : 'not signed in there yet';
  const needsKey = heldKey(session.mspId) === undefined;
  return (
    <Alert color="orange" variant="light" title="Not signed in at the negotiation service" role="note">
      <Stack gap="xs">
        <Text size="sm">{why}</Text>
        {!session.certificatePem ? (
          <Text size="sm">Sign out and sign in again.</Text>
        ) : (
          <>
            {needsKey && (
              <Textarea label="Private key (PKCS#8 PEM) to sign in there" autosize minRows={3} maxRows={8} value={privateKeyPem} onChange={(e) => setPrivateKey(e.currentTarget.value)} spellCheck={false} autoComplete="off" styles={{ input: { fontFamily: 'monospace' } }} />
            )}
            {retry.isError && <Text size="sm" role="alert" c="red.9">{retry.error instanceof Error ? retry.error.message : String(retry.error)}</Text>}
            <Group>
              <Button size="xs" onClick={() => retry.mutate()} loading={retry.isPending}>
                Sign in at the negotiation service
              </Button>
            </Group>
          </>
        )}
      </Stack>
    </Alert>
  );
}
