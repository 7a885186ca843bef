import { Button, Group, NativeSelect, Progress, Stack, Table, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { computationPrecision, computationsApi, datasetChoice, DEFAULT_PRECISION, finished, PRECISION_CHOICES, precisionOf, type OwnedDataset, type ResultSummary } from '../api/computations';
import { utc } from '../api/governance';
import { heldKey, holdKey, importSigningKey } from '../auth/keyring';
import { Failure, Loading, StatusBadge } from './Status';

/** What the section needs of each version the member's bridge read: its number, its active members, the computations its terms allow and the datasets its infrastructure names. */
export interface ComputableVersion {
  version: number;
  members: ReadonlyArray<{ mspId: string; role: string; status: string }>;
  computations: ReadonlyArray<{ name: string; resultRecipients: readonly string[] }>;
  datasets: readonly OwnedDataset[];
}

const fresh = () => `console-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

function ResultRow({ daoId, r }: { daoId: string; r: ResultSummary }) {
  const [open, setOpen] = useState(false);
  const values = useQuery({ queryKey: ['result', daoId, r.version, r.jobId], enabled: open, queryFn: () => computationsApi.result(daoId, r.version, r.jobId) });
  return (
    <>
      <Table.Tr data-testid="result-row" data-job={r.jobId}>
        <Table.Td>{utc(r.recordedAtMs)}</Table.Td>
        <Table.Td>{r.computation}</Table.Td>
        <Table.Td>{r.version}</Table.Td>
        <Table.Td>
          <code>{r.jobId}</code>
        </Table.Td>
        <Table.Td>
          <code data-testid="result-tx">{r.txId}</code>
        </Table.Td>
        <Table.Td>
          <Button size="xs" variant="light" aria-expanded={open} onClick={() => setOpen((o) => !o)} aria-label={`${open ? 'Hide' : 'Show'} result of ${r.jobId}`}>
            {open ? 'Hide result' : 'Show result'}
          </Button>
        </Table.Td>
      </Table.Tr>
      {open && (
        <Table.Tr>
          <Table.Td colSpan={6}>
            {values.isPending ? (
              <Loading label="Reading the result from your domain" />
            ) : values.isError ? (
              <Failure error={values.error} />
            ) : (
              <Stack gap={2} data-testid="result-values">
                {Object.entries(values.data.result).map(([name, v]) => (
                  <Text key={name} data-testid="result-value" data-name={name}>
                    {name}: <code>{Array.isArray(v) ? v.join(', ') : String(v)}</code>
                  </Text>
                ))}
                <Text size="sm">
                  Digest <code data-testid="result-digest">{values.data.resultDigest}</code>, recorded on the ledger by you in transaction <code>{values.data.txId}</code>
                </Text>
              </Stack>
            )}
          </Table.Td>
        </Table.Tr>
      )}
    </>
  );
}

/**
 * The results addressed to this member: opened only at its own MPC node and kept by its own
 * domain's bridge (the coordinator never has them), version by version.
 */
export function ResultsSection({ daoId, me, versions }: { daoId: string; me: string; versions: readonly number[] }) {
  const lists = useQueries({ queries: versions.map((v) => ({ queryKey: ['results', me, daoId, v], queryFn: () => computationsApi.results(daoId, v) })) });
  const failed = lists.find((l) => l.isError);
  const rows = lists.flatMap((l) => l.data ?? []).sort((a, b) => a.recordedAtMs - b.recordedAtMs);
  return (
    <section aria-labelledby="results-title" data-testid="results">
      <Title order={3} id="results-title">
        Results for you
      </Title>
      <Text size="sm">Opened only at your own MPC node and kept by your own domain’s ledger bridge: the operator’s coordinator never receives them.</Text>
      {failed ? (
        <Failure error={failed.error} />
      ) : lists.some((l) => l.isPending) ? (
        <Loading label="Reading your results through your ledger bridge" />
      ) : rows.length === 0 ? (
        <Text data-testid="no-results">No result of a computation in this DAO has reached your domain.</Text>
      ) : (
        <Table.ScrollContainer minWidth={720}>
          <Table aria-label="Results for you" data-testid="result-list">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Received</Table.Th>
                <Table.Th>Computation</Table.Th>
                <Table.Th>Version</Table.Th>
                <Table.Th>Job</Table.Th>
                <Table.Th>Transaction</Table.Th>
                <Table.Th>Values</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((r) => (
                <ResultRow key={`${r.version}/${r.jobId}`} daoId={daoId} r={r} />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </section>
  );
}

/**
 * Asking for a computation the version's terms allow: the coordinator schedules it, every member's
 * node checks its own ledger before taking part, and the progress shows here until it ends.
 */
export function RequestComputationSection({ daoId, me, certificatePem, versions }: { daoId: string; me: string; certificatePem: string | undefined; versions: readonly ComputableVersion[] }) {
  const client = useQueryClient();
  // Versions where this member is active and the terms allow some computation.
  const usable = versions.filter((v) => v.computations.length > 0 && v.members.some((m) => m.mspId === me && m.status === 'active'));
  const [version, setVersion] = useState(String(usable.at(-1)?.version ?? ''));
  const chosen = usable.find((v) => String(v.version) === version) ?? usable.at(-1);
  const [picked, setPicked] = useState('');
  // The computation picked, or the first the chosen version's terms allow.
  const computation = chosen?.computations.some((c) => c.name === picked) ? picked : (chosen?.computations[0]?.name ?? '');
  const terms = chosen?.computations.find((c) => c.name === computation);
  const owners = useMemo(() => (chosen?.members ?? []).filter((m) => m.role === 'DSP' && m.status === 'active').map((m) => m.mspId), [chosen]);
  const [pickedOwner, setOwner] = useState('');
  const owner = owners.includes(pickedOwner) ? pickedOwner : owners[0];
  const [pickedDataset, setDataset] = useState('');
  // The chosen owner's datasets as the version's infrastructure names them: the one picked, or the first.
  const { names: datasets, chosen: dataset } = datasetChoice(chosen?.datasets ?? [], owner, pickedDataset);
  const [columns, setColumns] = useState('');
  const [precision, setPrecision] = useState<string>(DEFAULT_PRECISION);
  const [requestId, setRequestId] = useState(fresh);
  const [asked, setAsked] = useState<string | undefined>();

  // The key that signs the request (each member's node checks who asked): held since sign-in, or
  // loaded here after a reload, and held once the coordinator has taken a request signed with it.
  const [privateKeyPem, setPrivateKey] = useState('');
  const held = heldKey(me);
  const ask = useMutation({
    mutationFn: async () => {
      if (!certificatePem) throw new Error('sign in again: this page has no certificate of yours to sign the request with');
      const key = held ?? (await importSigningKey(privateKeyPem));
      const asked = await computationsApi.request(
        {
          daoId,
          version: chosen?.version ?? 0,
          computation,
          dataset: dataset ?? '',
          columns,
          recipients: [...(terms?.resultRecipients ?? [])],
          requestId,
          owner: owner ?? '',
          precision: precisionOf(precision),
        },
        { key, certificatePem, mspId: me },
      );
      if (!held) {
        holdKey(key, me);
        setPrivateKey('');
      }
      return asked;
    },
    onSuccess: (c) => {
      setAsked(c.id);
      setRequestId(fresh());
    },
  });
  const progress = useQuery({
    queryKey: ['computation', asked],
    enabled: asked !== undefined,
    queryFn: () => computationsApi.status(asked!),
    refetchInterval: (q) => (q.state.data && finished(q.state.data.status) ? false : 1500),
  });
  const done = progress.data?.status === 'completed';
  const mine = done && (progress.data?.recipients ?? []).includes(me);
  // A finished computation addressed to this member: its result is in the member's own bridge now.
  useEffect(() => {
    if (mine) void client.invalidateQueries({ queryKey: ['results', me, daoId] });
  }, [mine, client, me, daoId]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (dataset === undefined) return;
    setAsked(undefined);
    ask.mutate();
  };
  if (usable.length === 0) {
    return (
      <section aria-labelledby="ask-title" data-testid="ask-computation">
        <Title order={3} id="ask-title">
          Ask for a computation
        </Title>
        <Text data-testid="no-computations">None of the versions you are active in allows a computation.</Text>
      </section>
    );
  }
  return (
    <section aria-labelledby="ask-title" data-testid="ask-computation">
      <Title order={3} id="ask-title">
        Ask for a computation
      </Title>
      <form onSubmit={submit}>
        <Group align="end" wrap="wrap">
          <NativeSelect label="Version" data={usable.map((v) => String(v.version))} value={String(chosen?.version ?? '')} onChange={(e) => setVersion(e.currentTarget.value)} w={110} />
          <NativeSelect label="Computation" description="Allowed by the version’s terms" data={(chosen?.computations ?? []).map((c) => c.name)} value={computation} onChange={(e) => setPicked(e.currentTarget.value)} w={200} />
          {owners.length > 1 && <NativeSelect label="Data owner" data={owners} value={owner ?? ''} onChange={(e) => setOwner(e.currentTarget.value)} w={180} />}
          {datasets.length > 0 && (
            <NativeSelect label="Dataset" description="Named in the version’s infrastructure" data={datasets} value={dataset ?? ''} onChange={(e) => setDataset(e.currentTarget.value)} w={200} required />
          )}
          <TextInput label="Columns" description="Comma-separated, in order" value={columns} onChange={(e) => setColumns(e.currentTarget.value)} required />
          <NativeSelect
            label="Precision"
            description="Fixed point of the computation"
            data-testid="ask-precision"
            data={PRECISION_CHOICES.map((c) => ({ value: c.value, label: c.label }))}
            value={precision}
            onChange={(e) => setPrecision(e.currentTarget.value)}
            w={330}
          />
          {!held && (
            <Textarea
              label="Your private key (PEM)"
              description="Signs the request in this page: each member’s MPC node checks who asked"
              data-testid="ask-private-key"
              autosize
              minRows={2}
              w={320}
              value={privateKeyPem}
              onChange={(e) => setPrivateKey(e.currentTarget.value)}
              required
            />
          )}
          <Button type="submit" loading={ask.isPending} disabled={dataset === undefined} {...(dataset === undefined ? { 'aria-describedby': 'no-datasets' } : {})}>
            Ask
          </Button>
        </Group>
      </form>
      {dataset === undefined && (
        <Text size="sm" id="no-datasets" data-testid="no-datasets">
          Version {chosen?.version}’s infrastructure names no dataset{owner ? ` of ${owner}` : ''}: a computation needs one its owner’s MPC node serves (a workload’s <code>datasets</code>, changed by a change-infrastructure proposal).
        </Text>
      )}
      {terms && (
        <Text size="sm" data-testid="ask-recipients">
          By the terms its result goes to {terms.resultRecipients.join(', ')}.
        </Text>
      )}
      {ask.isError && <Failure error={ask.error} />}
      {asked !== undefined && (
        <Stack gap={4} mt="sm" data-testid="asked" data-computation={asked}>
          {progress.isError ? (
            <Failure error={progress.error} />
          ) : !progress.data ? (
            <Loading label="Asking the coordinator for the progress" />
          ) : (
            <>
              <Group gap="xs">
                <Text>
                  Computation <code>{progress.data.id}</code>
                </Text>
                <span data-testid="asked-status">
                  <StatusBadge status={progress.data.status} />
                </span>
                <Text size="sm" data-testid="asked-precision">
                  at precision <code>{computationPrecision(progress.data)}</code>
                </Text>
              </Group>
              <Progress value={progress.data.progress} aria-label={`Progress of ${progress.data.id}`} />
              {progress.data.error && (
                <Text c="red.9" data-testid="asked-error">
                  {progress.data.error.code}: {progress.data.error.message}
                </Text>
              )}
              {done && (
                <Text data-testid="asked-done">
                  {mine ? 'Done: the result is in your domain (Results for you).' : `Done: the result went to ${progress.data.recipients.join(', ')} in their own domains.`}
                  {progress.data.resultDigest ? ` Digest ${progress.data.resultDigest}.` : ''}
                </Text>
              )}
            </>
          )}
        </Stack>
      )}
    </section>
  );
}
