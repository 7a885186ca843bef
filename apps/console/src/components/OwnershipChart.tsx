import { Text, Title } from '@mantine/core';
import { Bar, BarChart, CartesianGrid, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { percent, type MemberOfVersion } from '../api/daos';

/** Bar colours by group: the founding group D, then the joining groups in turn (each dark enough beside its label). */
const GROUP_COLOURS = ['#1864ab', '#862e9c', '#2b8a3e', '#c92a2a', '#5c3c00'];
const colourOf = (group: string, groups: string[]) => GROUP_COLOURS[groups.indexOf(group) % GROUP_COLOURS.length]!;

/**
 * A version's ownership as a chart: one bar per active member (its ownership in percent, coloured by
 * group), as the chaincode's member states give it; a member who left (exited, abandoned, its
 * position transferred) is named in the caption, not charted. The same numbers are in the members'
 * table and in the caption, which describes the figure: the chart is a picture of them, not their only place.
 */
export function OwnershipChart({ version, members }: { version: number; members: MemberOfVersion[] }) {
  const titleId = `version-${version}-ownership-title`;
  const captionId = `version-${version}-ownership-caption`;
  const active = members.filter((m) => m.status === 'active');
  const left = members.filter((m) => m.status !== 'active');
  const groups = [...new Set(members.map((m) => m.group))];
  const data = active.map((m) => ({ mspId: m.mspId, group: m.group, ownership: m.ownershipPpm / 10_000 }));
  return (
    <figure style={{ margin: 0 }} aria-labelledby={titleId} aria-describedby={captionId} data-testid="ownership-chart">
      <Title order={4} id={titleId}>
        Ownership of version {version}
      </Title>
      <div style={{ width: '100%', height: Math.max(140, 48 * data.length + 40) }} data-testid="ownership-bars" data-bars={data.length}>
        <ResponsiveContainer>
          <BarChart data={data} layout="vertical" accessibilityLayer margin={{ left: 24, right: 24 }}>
            <CartesianGrid strokeDasharray="3 3" horizontal={false} />
            <XAxis type="number" domain={[0, 100]} unit=" %" />
            <YAxis type="category" dataKey="mspId" width={140} />
            <Tooltip formatter={(value) => [`${String(value)} %`, 'ownership']} />
            <Bar dataKey="ownership" name="ownership" isAnimationActive={false}>
              {data.map((d) => (
                <Cell key={d.mspId} fill={colourOf(d.group, groups)} />
              ))}
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      </div>
      <figcaption id={captionId}>
        <Text size="sm" data-testid="ownership-caption">
          {`Ownership of version ${version}: ${active.map((m) => `${m.mspId} (${m.group}) ${percent(m.ownershipPpm)}`).join(', ')}.`}
          {left.length > 0 && ` Not charted: ${left.map((m) => `${m.mspId} (${m.status}${m.transferredTo ? `, its position went to ${m.transferredTo}` : ''})`).join(', ')}.`}
        </Text>
      </figcaption>
    </figure>
  );
}
