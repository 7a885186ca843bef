import { Alert, Button, Code, Group, Progress, ScrollArea, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { provisioner, telemetry, unwrap, type Job, type WorkloadLive } from '../api/client';
import { useSession } from '../auth/session';
import { Failure, Loading, StatusBadge } from './Status';

/** How often an unfinished job and the workloads' heartbeats are read again: heartbeats are not ledger events, so the bridge's live stream does not carry them. */
const JOB_POLL_MS = 3_000;
const HEARTBEAT_POLL_MS = 5_000;
/**
 * How often the jobs are read again when every job is finished: a provisioner starts a job after the
 * ledger event that asks for it (a member leaving, a change of infrastructure), so the read the live
 * stream triggers on that event can come before the job exists.
 */
const JOB_IDLE_POLL_MS = 10_000;

const finished = (job: Job) => job.state === 'completed' || job.state === 'failed';

/** The signed-in member's token at one of its domain's services, or why there is none. */
function useSignedInAt(service: 'provisioner' | 'telemetry'): { ok: true } | { ok: false; why: string } {
  const { session } = useSession();
  const at = session?.[service];
  if (at && 'token' in at) return { ok: true };
  return { ok: false, why: at && 'error' in at ? at.error : 'sign out and sign in again' };
}

function NotSignedIn({ service, why }: { service: string; why: string }) {
  return (
    <Alert color="orange" variant="light" role="note" data-testid={`${service}-notice`}>
      Not signed in at your domain’s {service} ({why}): the console of your domain serves it.
    </Alert>
  );
}

/** A job's log lines (OpenTofu's output), read again while the job runs. */
function JobLogs({ job, me, daoId }: { job: Job; me: string; daoId: string }) {
  const logs = useQuery({
    queryKey: ['dao', me, daoId, 'job-logs', job.id],
    queryFn: async () => unwrap(await provisioner.GET('/jobs/{id}/logs', { params: { path: { id: job.id } } })),
    refetchInterval: finished(job) ? false : JOB_POLL_MS,
  });
  if (logs.isPending) return <Loading label="Reading the job's log" />;
  if (logs.isError) return <Failure error={logs.error} />;
  return (
    <ScrollArea.Autosize mah={320} type="auto">
      <Code block data-testid="job-log" aria-label={`Log of job ${job.id}`} tabIndex={0}>
        {logs.data.length === 0 ? '(no lines yet)' : logs.data.map((l) => `${l.at}  ${l.line}`).join('\n')}
      </Code>
    </ScrollArea.Autosize>
  );
}

/** The infrastructure jobs of this DAO that the member's own provisioner ran or runs: state, progress, log. */
export function JobsSection({ daoId, me }: { daoId: string; me: string }) {
  const signed = useSignedInAt('provisioner');
  const [open, setOpen] = useState<string | undefined>();
  const jobs = useQuery({
    queryKey: ['dao', me, daoId, 'jobs'],
    enabled: signed.ok,
    queryFn: async () => unwrap(await provisioner.GET('/jobs')).filter((j) => j.daoId === daoId),
    // While a job runs its progress moves without a ledger event: read again often until every job is finished, then now and then.
    refetchInterval: (query) => (query.state.data?.some((j) => !finished(j)) ? JOB_POLL_MS : JOB_IDLE_POLL_MS),
  });
  return (
    <section aria-labelledby="jobs-title" data-testid="jobs">
      <Title order={3} id="jobs-title">
        Infrastructure jobs
      </Title>
      {!signed.ok ? (
        <NotSignedIn service="provisioner" why={signed.why} />
      ) : jobs.isPending ? (
        <Loading label="Reading your provisioner's jobs" />
      ) : jobs.isError ? (
        <Failure error={jobs.error} />
      ) : jobs.data.length === 0 ? (
        <Text data-testid="no-jobs">Your provisioner has run no job for this DAO: it builds the workloads your organisation runs itself under the DAO’s infrastructure terms.</Text>
      ) : (
        <Table.ScrollContainer minWidth={640}>
          <Table aria-label="Infrastructure jobs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Job</Table.Th>
                <Table.Th>Version</Table.Th>
                <Table.Th>State</Table.Th>
                <Table.Th>Progress</Table.Th>
                <Table.Th>Log</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {jobs.data.map((j) => (
                <Table.Tr key={j.id} data-testid="job-row" data-job={j.id}>
                  <Table.Td>
                    <code>{j.id}</code>
                    {j.error && (
                      <Text size="sm" c="red.9" data-testid="job-error">
                        {j.error}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>{j.version}</Table.Td>
                  <Table.Td data-testid="job-state">
                    <StatusBadge status={j.state} />
                  </Table.Td>
                  <Table.Td>
                    <Group gap="xs" wrap="nowrap">
                      <Progress value={j.progress} w={120} aria-label={`Progress of job ${j.id}`} />
                      <Text size="sm" data-testid="job-progress">
                        {j.progress} %
                      </Text>
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <Button size="xs" variant="outline" aria-expanded={open === j.id} onClick={() => setOpen(open === j.id ? undefined : j.id)}>
                      {open === j.id ? 'Hide log' : 'Show log'}
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {open && jobs.data?.find((j) => j.id === open) && <JobLogs job={jobs.data.find((j) => j.id === open)!} me={me} daoId={daoId} />}
    </section>
  );
}

const heartbeat = (w: WorkloadLive) => (w.lastHeartbeatAt ? `${w.lastHeartbeatAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')} (${w.ageSeconds ?? '?'} s ago, seq ${w.lastSeq ?? '?'})` : 'none yet');

/**
 * The DAO's workloads as the member's own telemetry folds their signed heartbeats (healthy, late,
 * silent, abandoned), and each member's abandonment state per version.
 */
export function WorkloadsSection({ daoId, me }: { daoId: string; me: string }) {
  const signed = useSignedInAt('telemetry');
  const workloads = useQuery({
    queryKey: ['dao', me, daoId, 'workloads'],
    enabled: signed.ok,
    queryFn: async () => unwrap(await telemetry.GET('/workloads')).filter((w) => w.daoId === daoId),
    refetchInterval: HEARTBEAT_POLL_MS,
  });
  const members = useQuery({
    queryKey: ['dao', me, daoId, 'telemetry'],
    enabled: signed.ok,
    // A DAO none of whose workloads this telemetry knows yet is DAO_NOT_FOUND there: no members to show.
    queryFn: async () => {
      const r = await telemetry.GET('/daos/{daoId}/telemetry', { params: { path: { daoId } } });
      return r.response.status === 404 ? undefined : unwrap(r);
    },
    refetchInterval: HEARTBEAT_POLL_MS,
  });
  return (
    <section aria-labelledby="workloads-title" data-testid="workloads">
      <Title order={3} id="workloads-title">
        Workloads
      </Title>
      {!signed.ok ? (
        <NotSignedIn service="telemetry" why={signed.why} />
      ) : workloads.isPending ? (
        <Loading label="Reading your telemetry" />
      ) : workloads.isError ? (
        <Failure error={workloads.error} />
      ) : (
        <Stack gap="xs">
          {workloads.data.length === 0 ? (
            <Text data-testid="no-workloads">No workload of this DAO is registered on the versions your domain follows.</Text>
          ) : (
            <Table.ScrollContainer minWidth={720}>
              <Table aria-label="Workloads">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Workload</Table.Th>
                    <Table.Th>Owner</Table.Th>
                    <Table.Th>Version</Table.Th>
                    <Table.Th>Health</Table.Th>
                    <Table.Th>Last heartbeat</Table.Th>
                    <Table.Th>Recorded on the ledger</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {workloads.data.map((w) => (
                    <Table.Tr key={`${w.version}/${w.workloadId}`} data-testid="workload-row" data-workload={w.workloadId}>
                      <Table.Td>
                        <code>{w.workloadId}</code>
                      </Table.Td>
                      <Table.Td data-testid="workload-owner">{w.owner}</Table.Td>
                      <Table.Td>{w.version}</Table.Td>
                      <Table.Td data-testid="workload-status">
                        <StatusBadge status={w.status} />
                      </Table.Td>
                      <Table.Td data-testid="workload-heartbeat" data-seq={w.lastSeq ?? undefined}>
                        {heartbeat(w)}
                      </Table.Td>
                      <Table.Td>{w.recordedSeq === null ? 'not yet' : `up to seq ${w.recordedSeq}`}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
          {members.data?.versions.map((v) => (
            <Table.ScrollContainer key={v.version} minWidth={560}>
              <Table aria-label={`Abandonment on version ${v.version}`} data-testid="abandonment" data-version={v.version}>
                <Table.Caption>
                  Version {v.version}: a member is abandoned after {v.abandonAfterSeconds} s without a heartbeat of its workloads (every {v.heartbeatIntervalSeconds} s expected)
                </Table.Caption>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Member</Table.Th>
                    <Table.Th>Workloads</Table.Th>
                    <Table.Th>Last heartbeat</Table.Th>
                    <Table.Th>State</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {v.members.map((m) => (
                    <Table.Tr key={m.mspId} data-testid="abandonment-row" data-msp={m.mspId}>
                      <Table.Td>{m.mspId}</Table.Td>
                      <Table.Td>{m.workloads}</Table.Td>
                      <Table.Td>{m.lastHeartbeatAt ?? 'none yet'}</Table.Td>
                      <Table.Td data-testid="abandonment-state">
                        <StatusBadge status={m.abandoned ? 'abandoned' : m.status} />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          ))}
        </Stack>
      )}
    </section>
  );
}
