import { Alert, Stack, Table, Text, Title } from '@mantine/core';
import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { SessionView } from '../api/negotiation';
import { curve, dilution, impliedOwnership, percent } from '../negotiation/advisor';

const CURVE = curve();

/**
 * The β advisor beside the proposal form: the ownership the β being typed implies for each party
 * (formulas (2) and (3) through libs/domain's economics), the two groups' shares over every β with
 * the chosen one marked, and how later joiners at the same β dilute the founders and first joiners.
 */
export function BetaAdvisor({ session, betaPpm, weights }: { session: Pick<SessionView, 'kind' | 'parties'>; betaPpm: number; weights: Record<string, number> }) {
  let implied: ReturnType<typeof impliedOwnership> | undefined;
  let problem: string | undefined;
  try {
    implied = impliedOwnership(session.kind, session.parties, betaPpm, new Map(Object.entries(weights)));
  } catch (error) {
    problem = error instanceof Error ? error.message : String(error);
  }
  const earlierName = session.kind === 'formation' ? 'founding group D' : 'earlier members';
  const diluted = problem ? [] : dilution(betaPpm);
  return (
    <section aria-labelledby="advisor-title">
      <Stack gap="xs">
        <Title order={4} id="advisor-title">
          β advisor
        </Title>
        <Text size="sm">
          β is the part of this version’s profit the {earlierName} keeps; the joining group gets 1 − β. Every later version’s β multiplies what the earlier members hold
          (formulas (2) and (3)).
        </Text>
        {problem ? (
          <Alert color="red" role="alert" title="No ownership for this β">
            {problem}
          </Alert>
        ) : (
          <Table data-testid="implied-ownership" captionSide="top">
            <Table.Caption>Ownership implied by β = {percent(betaPpm)}</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Member</Table.Th>
                <Table.Th>Group</Table.Th>
                <Table.Th>Ownership</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {implied!.map((s) => (
                <Table.Tr key={s.label} data-testid="implied-row">
                  <Table.Td style={{ wordBreak: 'break-all' }}>{s.label}</Table.Td>
                  <Table.Td>{s.group}</Table.Td>
                  <Table.Td data-testid={`implied-${s.label}`}>{percent(s.ownershipPpm)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        <figure style={{ margin: 0 }} aria-labelledby="advisor-chart-caption">
          <div style={{ width: '100%', height: 220 }}>
            <ResponsiveContainer>
              <LineChart data={CURVE} accessibilityLayer margin={{ left: -10, right: 10 }}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="beta" type="number" domain={[0, 100]} unit="%" name="β" />
                <YAxis domain={[0, 100]} unit="%" />
                <Tooltip formatter={(v) => `${String(v)} %`} labelFormatter={(l) => `β = ${String(l)} %`} />
                <Legend />
                <Line dataKey="earlier" name={earlierName} stroke="#1864ab" dot={false} isAnimationActive={false} />
                <Line dataKey="joining" name="joining group" stroke="#862e9c" dot={false} isAnimationActive={false} />
                {!problem && <ReferenceLine x={betaPpm / 10_000} stroke="#212529" strokeDasharray="4 2" label={{ value: 'β', position: 'top' }} />}
              </LineChart>
            </ResponsiveContainer>
          </div>
          <figcaption id="advisor-chart-caption">
            <Text size="sm">Shares of the {earlierName} and of the joining group for every β; the dashed line is the β of this proposal.</Text>
          </figcaption>
        </figure>
        {!problem && (
          <Text size="sm" data-testid="dilution">
            If later VSPs join at the same β: after {diluted.map((d) => `${d.versions} version${d.versions === 1 ? '' : 's'} the founders hold ${d.founders} % and the first joiners ${d.firstJoiners} %`).join('; ')}.
          </Text>
        )}
      </Stack>
    </section>
  );
}
