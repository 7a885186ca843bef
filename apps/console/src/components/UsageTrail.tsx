import { Button, Group, Table, Text, TextInput, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ApiError, member, unwrap } from '../api/client';
import { utc } from '../api/governance';
import { Failure, Loading, StatusBadge } from './Status';

/** One entry of a dataset's usage trail as the member's bridge answers it (RecordUsage, with the version that recorded it). */
export interface UsageEntry {
  usageId: string;
  requester: { mspId: string; enrollmentId?: string };
  computation: string;
  recipients: string[];
  outcome: string;
  check?: string;
  failure?: string;
  rows?: number;
  atMs: number;
  txId: string;
  version: number;
}

/** The fields the table shows, checked (the bridge documents the trail without a schema). */
export function parseTrail(answer: unknown): UsageEntry[] {
  const entries = (answer as { entries?: unknown } | null)?.entries;
  if (!Array.isArray(entries)) throw new ApiError(502, 'UNEXPECTED_ANSWER', 'the usage trail has no entries');
  return entries.map((e: unknown) => {
    const o = e as Record<string, unknown>;
    const requester = o['requester'] as Record<string, unknown> | undefined;
    if (typeof o['txId'] !== 'string' || typeof o['outcome'] !== 'string' || typeof o['computation'] !== 'string' || typeof o['atMs'] !== 'number' || typeof requester?.['mspId'] !== 'string') {
      throw new ApiError(502, 'UNEXPECTED_ANSWER', 'a usage entry lacks txId, outcome, computation, atMs or requester.mspId');
    }
    return {
      usageId: String(o['usageId']),
      requester: { mspId: requester['mspId'], ...(typeof requester['enrollmentId'] === 'string' ? { enrollmentId: requester['enrollmentId'] } : {}) },
      computation: o['computation'],
      recipients: Array.isArray(o['recipients']) ? o['recipients'].map(String) : [],
      outcome: o['outcome'],
      ...(typeof o['check'] === 'string' ? { check: o['check'] } : {}),
      ...(typeof o['failure'] === 'string' ? { failure: o['failure'] } : {}),
      ...(typeof o['rows'] === 'number' ? { rows: o['rows'] } : {}),
      atMs: o['atMs'],
      txId: o['txId'],
      version: Number(o['version']),
    };
  });
}


/**
 * A data owner's usage trail of one of its datasets in this DAO ("who asked what, granted or refused,
 * with transaction ids"), read through the member's own bridge (`GET /datasets/:name/usage?daoId=`)
 * on every version's channel its peer is on.
 */
export function UsageTrailSection({ daoId, me }: { daoId: string; me: string }) {
  const [typed, setTyped] = useState('');
  const [dataset, setDataset] = useState<string | undefined>();
  const trail = useQuery({
    queryKey: ['dao', me, daoId, 'usage', dataset],
    enabled: dataset !== undefined,
    queryFn: async () => parseTrail(unwrap(await member.GET('/datasets/{dataset}/usage', { params: { path: { dataset: dataset! }, query: { daoId } } }))),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (typed.trim()) setDataset(typed.trim());
  };
  return (
    <section aria-labelledby="usage-title" data-testid="usage">
      <Title order={3} id="usage-title">
        Usage trail of a dataset
      </Title>
      <form onSubmit={submit}>
        <Group align="end">
          <TextInput label="Dataset" description="Its name, as your MPC node serves it" value={typed} onChange={(e) => setTyped(e.currentTarget.value)} />
          <Button type="submit">Show its trail</Button>
        </Group>
      </form>
      {dataset !== undefined &&
        (trail.isPending ? (
          <Loading label="Reading the trail through your ledger bridge" />
        ) : trail.isError ? (
          <Failure error={trail.error} />
        ) : trail.data.length === 0 ? (
          <Text data-testid="no-usage">
            No computation has asked for <code>{dataset}</code> in this DAO.
          </Text>
        ) : (
          // Its rows hold nothing focusable: the scrolling viewport itself takes the focus, so a keyboard can scroll it (axe: scrollable-region-focusable).
          <Table.ScrollContainer minWidth={720} scrollAreaProps={{ viewportProps: { tabIndex: 0, role: 'region', 'aria-label': `Usage trail of ${dataset}, scrollable` } }}>
            <Table aria-label={`Usage trail of ${dataset}`} data-testid="usage-trail">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>When</Table.Th>
                  <Table.Th>Who asked</Table.Th>
                  <Table.Th>Computation</Table.Th>
                  <Table.Th>Outcome</Table.Th>
                  <Table.Th>Result to</Table.Th>
                  <Table.Th>Version</Table.Th>
                  <Table.Th>Transaction</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {trail.data.map((u) => (
                  <Table.Tr key={u.txId} data-testid="usage-row" data-tx={u.txId}>
                    <Table.Td>{utc(u.atMs)}</Table.Td>
                    <Table.Td>
                      {u.requester.enrollmentId ? `${u.requester.enrollmentId}@` : ''}
                      {u.requester.mspId}
                    </Table.Td>
                    <Table.Td>{u.computation}</Table.Td>
                    <Table.Td data-testid="usage-outcome">
                      <StatusBadge status={u.outcome} />
                      {u.check ? ` (${u.check})` : ''}
                      {u.failure ? ` (${u.failure})` : ''}
                    </Table.Td>
                    <Table.Td>{u.recipients.join(', ')}</Table.Td>
                    <Table.Td>{u.version}</Table.Td>
                    <Table.Td>
                      <code data-testid="usage-tx">{u.txId}</code>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        ))}
    </section>
  );
}
