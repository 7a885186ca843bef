import { Alert, Button, Code, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { marketplace, unwrap } from '../api/client';
import type { components } from '../api/marketplace.gen';
import { ReasonDialog, useReasonDialog } from './ReasonDialog';
import { Failure, Loading } from './Status';

type Admission = components['schemas']['AdmissionDto'];

const QUERY_KEY = ['marketplace', 'admissions'] as const;

/** The marketplace's manual admission (MARKETPLACE_ADMISSION=manual), for the operator's administrators only. */
const admissionsApi = {
  list: async () => unwrap(await marketplace.GET('/admin/admissions')),
  admit: async (mspId: string) => unwrap(await marketplace.POST('/admin/admissions/{mspId}/admit', { params: { path: { mspId } } })),
  reject: async (mspId: string, reason: string) => unwrap(await marketplace.POST('/admin/admissions/{mspId}/reject', { params: { path: { mspId } }, body: { reason } })),
};

/**
 * The registrations waiting at the marketplace for an operator administrator (its manual admission):
 * *Admit* sends the organisation's onboarding command to the operator's bridge, *Reject* records a
 * reason the organisation sees. With automatic admission (the default) none ever waits here.
 */
export function PendingAdmissions() {
  const queryClient = useQueryClient();
  const list = useQuery({ queryKey: QUERY_KEY, queryFn: admissionsApi.list });
  const [done, setDone] = useState<string | undefined>();
  const refresh = () => void queryClient.invalidateQueries({ queryKey: QUERY_KEY });
  const admit = useMutation({
    mutationFn: (a: Admission) => admissionsApi.admit(a.mspId),
    onSuccess: (admitted) => {
      setDone(`${admitted.mspId} is admitted: its onboarding went to the operator’s ledger bridge (command ${admitted.commandId}). It is active once the bridge has onboarded it.`);
      refresh();
    },
    // Another administrator may have decided first: the list shows what is still waiting.
    onError: refresh,
  });
  const rejection = useReasonDialog(
    (a: Admission, reason: string) => admissionsApi.reject(a.mspId, reason.trim()),
    (rejected) => {
      setDone(`${rejected.mspId} is rejected (${rejected.rejection.reason}); it may register again.`);
      refresh();
    },
  );
  return (
    <Stack gap="xs">
      <Title order={3}>Pending admissions</Title>
      <Text size="sm">
        Organisations that registered at the marketplace and wait for your decision (the marketplace’s manual admission). <em>Admit</em> sends its onboarding to the operator’s ledger bridge, which makes its CA and peer (or, in its own trust domain, takes its published MSP package) and
        registers it on the ledger; <em>Reject</em> records a reason the organisation sees, and it may register again.
      </Text>
      {done && (
        <Alert color="green" variant="light" role="status" data-testid="admission-done" withCloseButton closeButtonLabel="Dismiss" onClose={() => setDone(undefined)}>
          {done}
        </Alert>
      )}
      {admit.isError && <Failure error={admit.error} />}
      {list.isPending ? (
        <Loading label="Loading the pending admissions" />
      ) : list.isError ? (
        <Failure error={list.error} />
      ) : list.data.admissions.length === 0 ? (
        <Text data-testid="no-admissions">No registration is waiting for admission. (With automatic admission, the marketplace’s default, registrations go to the bridge at once and never wait here.)</Text>
      ) : (
        <Table.ScrollContainer minWidth={720}>
          <Table data-testid="admissions" aria-label="Pending admissions">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>MSP</Table.Th>
                <Table.Th>Name</Table.Th>
                <Table.Th>Role</Table.Th>
                <Table.Th>Registered</Table.Th>
                <Table.Th>Identities</Table.Th>
                <Table.Th>Decision</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data.admissions.map((a) => (
                <Table.Tr key={a.mspId} data-testid="admission-row" data-msp={a.mspId}>
                  <Table.Td>
                    <Code>{a.mspId}</Code>
                  </Table.Td>
                  <Table.Td>{a.name}</Table.Td>
                  <Table.Td>{a.role}</Table.Td>
                  <Table.Td>{new Date(a.requestedAt).toLocaleString()}</Table.Td>
                  <Table.Td data-testid="admission-identity">{a.ownCa ? 'its own CA (its own trust domain)' : `first identity ${a.enrollmentId ?? ''} (a CSR, enrolled at the CA the operator makes)`}</Table.Td>
                  <Table.Td>
                    <Group gap={6} wrap="nowrap">
                      <Button size="xs" onClick={() => admit.mutate(a)} loading={admit.isPending && admit.variables.mspId === a.mspId} disabled={admit.isPending} aria-label={`Admit ${a.mspId}`}>
                        Admit
                      </Button>
                      <Button size="xs" color="red" variant="outline" onClick={() => rejection.open(a)} aria-label={`Reject ${a.mspId}`}>
                        Reject
                      </Button>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <ReasonDialog dialog={rejection} title={`Reject ${rejection.target?.mspId ?? ''}`} formLabel="Rejection" reasonHelp="Shown to the organisation (1-500 characters)" maxLength={500} confirm="Reject" danger>
        {rejection.target?.name} will not be onboarded; it sees your reason and may register again.
      </ReasonDialog>
    </Stack>
  );
}
