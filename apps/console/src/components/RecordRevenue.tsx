import { Alert, Button, Code, Group, NativeSelect, Stack, Text, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { daosApi, type RevenueRequest } from '../api/daos';
import { refreshDao } from '../live/useDaoLive';
import { Failure } from './Status';

/**
 * Records revenue the DAO earned, signed by this member through its own ledger bridge
 * (RecordRevenue on the top channel; the terms' revenue recorders only: the bridge answers
 * NOT_REVENUE_RECORDER to others). The split and its relay down the versions then show in the
 * revenue section as the member's bridge reads them.
 */
export function RecordRevenue({ daoId, me }: { daoId: string; me: string }) {
  const client = useQueryClient();
  const [amount, setAmount] = useState('');
  const [kind, setKind] = useState<RevenueRequest['kind']>('use');
  const record = useMutation({
    mutationFn: () => daosApi.recordRevenue(daoId, { amount: amount.trim(), kind }),
    onSuccess: () => refreshDao(client, me, daoId),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    record.mutate();
  };
  return (
    <form onSubmit={submit} aria-label="Record revenue" data-testid="record-revenue">
      <Stack gap="xs">
        <Group align="flex-end">
          <TextInput label="Revenue (minor units)" description="A whole number, e.g. 1000000" required inputMode="numeric" pattern="[0-9]+" value={amount} onChange={(e) => setAmount(e.currentTarget.value)} />
          <NativeSelect label="Earned from" value={kind} onChange={(e) => setKind(e.currentTarget.value === 'subscription' ? 'subscription' : 'use')} data={[{ value: 'use', label: 'use (pay-per-use)' }, { value: 'subscription', label: 'subscription' }]} />
          <Button type="submit" loading={record.isPending}>
            Record revenue
          </Button>
        </Group>
        {record.isError && <Failure error={record.error} />}
        {record.isSuccess && (
          <Alert color="indigo" variant="light" title="Revenue recorded" role="status" data-testid="revenue-recorded">
            <Text size="sm">
              Revenue <Code data-testid="recorded-revenue-id">{record.data.revenueId}</Code> on <Code>{record.data.channel}</Code>, transaction <Code data-testid="recorded-revenue-tx">{record.data.txId}</Code>: its payouts show below once your bridge has read the split.
            </Text>
          </Alert>
        )}
      </Stack>
    </form>
  );
}
