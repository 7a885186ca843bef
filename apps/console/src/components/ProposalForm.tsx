import { Button, Checkbox, Fieldset, Grid, Group, NativeSelect, NumberInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { sessionsApi, type Proposal, type SessionView } from '../api/negotiation';
import { betaPpmOf, initialValues, newMembers, proposalOf, type ProposalValues, type WorkloadValues } from '../negotiation/proposal-values';
import { BetaAdvisor } from './BetaAdvisor';
import { Failure } from './Status';

const num = (v: string | number) => (typeof v === 'number' ? v : Number(v));

/**
 * The full proposal a party makes (or counter-makes): β, weights, terms, computations, infrastructure,
 * with the β advisor. The room signs what it submits (negotiation/proposal-signing.ts).
 */
export function ProposalForm({ session, pending, error, disabled = false, onSubmit }: { session: SessionView; pending: boolean; error: unknown; disabled?: boolean; onSubmit: (body: Proposal) => void }) {
  const [v, setV] = useState<ProposalValues>(() => initialValues(session));
  const set = (patch: Partial<ProposalValues>) => setV((old) => ({ ...old, ...patch }));
  const parties = session.parties.map((p) => p.mspId);
  const owners = newMembers(session).map((p) => p.mspId);
  const counter = session.proposal !== null;
  const [target, setTarget] = useState<string | number>('');
  // The service's β advisor: the β that gives the joining group a target ownership (a join: of the DAO as the ledger has it).
  const suggest = useMutation({
    mutationFn: () => sessionsApi.suggestBeta(betaPpmOf(num(target)), session.kind === 'join' ? session.daoId : undefined),
    onSuccess: (s) => set({ betaPercent: s.betaPpm / 10_000 }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSubmit(proposalOf(session, v));
  };
  const setWorkload = (k: number, patch: Partial<WorkloadValues>) => set({ workloads: v.workloads.map((w, i) => (i === k ? { ...w, ...patch } : w)) });
  const setComputation = (k: number, patch: Partial<ProposalValues['computations'][number]>) => set({ computations: v.computations.map((c, i) => (i === k ? { ...c, ...patch } : c)) });
  return (
    <section aria-labelledby="propose-title">
      <Title order={3} id="propose-title">
        {counter ? `Counter-propose (revision ${session.revision + 1})` : 'Propose'}
      </Title>
      <Text size="sm" mb="xs">
        A proposal is the whole agreement; it becomes the next revision and clears the acceptances. The service computes each member’s ownership from β and the weights. Your key signs it in this page, with the
        session and the revision it answers (revision {session.revision}); every party can check the signature in the history.
      </Text>
      <Grid gap="lg">
        <Grid.Col span={{ base: 12, md: 7 }}>
          <form onSubmit={submit} aria-label="Proposal">
            <Stack gap="sm">
              <NumberInput label="β (%)" description="The part of this version’s profit the earlier DAO keeps; strictly between 0 and 100" required min={0.0001} max={99.9999} decimalScale={4} value={v.betaPercent} onChange={(x) => set({ betaPercent: num(x) })} name="beta" />
              <Group align="flex-end">
                <NumberInput label="Target ownership of the joining group (%)" min={0.0001} max={99.9999} decimalScale={4} value={target} onChange={setTarget} w={260} />
                <Button variant="outline" size="sm" onClick={() => suggest.mutate()} loading={suggest.isPending} disabled={target === ''}>
                  Suggest β
                </Button>
              </Group>
              {suggest.isError && <Failure error={suggest.error} />}
              {suggest.isSuccess && (
                <Text size="sm" role="status" data-testid="beta-suggestion">
                  The service suggests β = {suggest.data.betaPpm / 10_000} % ({suggest.data.groups.map((g) => `${g.group} ${g.ownershipPpm / 10_000} %`).join(', ')})
                </Text>
              )}
              <Fieldset legend={session.kind === 'formation' ? 'Weights inside each group' : 'Weights of the joiners'}>
                <Group>
                  {newMembers(session).map((p) => (
                    <NumberInput key={p.mspId} label={`Weight of ${p.mspId}`} min={1} max={1_000_000_000} allowDecimal={false} value={v.weights[p.mspId] ?? 1} onChange={(x) => set({ weights: { ...v.weights, [p.mspId]: num(x) } })} w={220} />
                  ))}
                </Group>
              </Fieldset>
              <Fieldset legend="Terms">
                <Grid>
                  <Grid.Col span={{ base: 12, sm: 6 }}>
                    <NumberInput label="Duration (days)" required min={1} max={36_500} allowDecimal={false} value={v.durationDays} onChange={(x) => set({ durationDays: num(x) })} />
                  </Grid.Col>
                  <Grid.Col span={{ base: 12, sm: 6 }}>
                    <NativeSelect label="Business model" data={['pay-per-use', 'subscription']} value={v.businessModel} onChange={(e) => set({ businessModel: e.currentTarget.value as ProposalValues['businessModel'] })} />
                  </Grid.Col>
                  <Grid.Col span={{ base: 12, sm: 4 }}>
                    <NumberInput label="Heartbeat interval (s)" required min={1} max={86_400} allowDecimal={false} value={v.heartbeatIntervalSeconds} onChange={(x) => set({ heartbeatIntervalSeconds: num(x) })} />
                  </Grid.Col>
                  <Grid.Col span={{ base: 12, sm: 4 }}>
                    <NumberInput label="Abandoned after (s)" required min={1} allowDecimal={false} value={v.abandonAfterSeconds} onChange={(x) => set({ abandonAfterSeconds: num(x) })} />
                  </Grid.Col>
                  <Grid.Col span={{ base: 12, sm: 4 }}>
                    <NumberInput label="Exit notice (s)" required min={0} allowDecimal={false} value={v.exitNoticeSeconds} onChange={(x) => set({ exitNoticeSeconds: num(x) })} />
                  </Grid.Col>
                </Grid>
              </Fieldset>
              <Fieldset legend="Allowed computations">
                <Stack gap="xs">
                  {v.computations.map((c, k) => (
                    <Group key={k} align="flex-end">
                      <TextInput label={`Computation ${k + 1}`} required value={c.name} onChange={(e) => setComputation(k, { name: e.currentTarget.value })} w={180} />
                      <Checkbox.Group label={`Result recipients of computation ${k + 1}`} value={c.resultRecipients} onChange={(r) => setComputation(k, { resultRecipients: r })}>
                        <Group gap="xs" mt={4}>
                          {parties.map((m) => (
                            <Checkbox key={m} value={m} label={m} />
                          ))}
                        </Group>
                      </Checkbox.Group>
                      <Button variant="outline" color="red.9" size="xs" onClick={() => set({ computations: v.computations.filter((_, i) => i !== k) })}>
                        Remove computation {k + 1}
                      </Button>
                    </Group>
                  ))}
                  <Group>
                    <Button variant="outline" size="xs" onClick={() => set({ computations: [...v.computations, { name: '', resultRecipients: parties }] })}>
                      Add a computation
                    </Button>
                  </Group>
                </Stack>
              </Fieldset>
              <Fieldset legend={session.kind === 'formation' ? 'Infrastructure' : 'Infrastructure this version adds (the joiners’ workloads)'}>
                <Stack gap="xs">
                  {v.workloads.map((w, k) => (
                    <Group key={k} align="flex-end" wrap="wrap">
                      <TextInput label={`Workload ${k + 1} name`} required value={w.name} onChange={(e) => setWorkload(k, { name: e.currentTarget.value })} w={200} />
                      <NativeSelect label={`Workload ${k + 1} owner`} data={owners} value={w.owner} onChange={(e) => setWorkload(k, { owner: e.currentTarget.value })} />
                      <NativeSelect
                        label={`Workload ${k + 1} placement`}
                        data={[
                          { value: 'managed', label: 'cloud (Datawell runs it)' },
                          { value: 'self-hosted', label: 'self-hosted' },
                        ]}
                        value={w.placement}
                        onChange={(e) => setWorkload(k, { placement: e.currentTarget.value as WorkloadValues['placement'] })}
                      />
                      <TextInput label={`Workload ${k + 1} kind`} required value={w.kind} onChange={(e) => setWorkload(k, { kind: e.currentTarget.value })} w={140} />
                      <Button variant="outline" color="red.9" size="xs" onClick={() => set({ workloads: v.workloads.filter((_, i) => i !== k) })}>
                        Remove workload {k + 1}
                      </Button>
                    </Group>
                  ))}
                  <Group>
                    <Button variant="outline" size="xs" onClick={() => set({ workloads: [...v.workloads, { name: '', owner: owners[0] ?? '', placement: 'managed', kind: 'mpc-node' }] })}>
                      Add a workload
                    </Button>
                  </Group>
                </Stack>
              </Fieldset>
              {error ? <Failure error={error} /> : null}
              <Group>
                <Button type="submit" loading={pending} disabled={disabled}>
                  {counter ? 'Send counter-proposal' : 'Send proposal'}
                </Button>
              </Group>
            </Stack>
          </form>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <BetaAdvisor session={session} betaPpm={betaPpmOf(v.betaPercent)} weights={v.weights} />
        </Grid.Col>
      </Grid>
    </section>
  );
}
