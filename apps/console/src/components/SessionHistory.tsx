import { Text, Timeline, Title } from '@mantine/core';
import type { HistoryEntry } from '../api/negotiation';
import { percent } from '../negotiation/advisor';

const WHAT: Record<HistoryEntry['change'], string> = {
  created: 'Session opened',
  proposed: 'Proposal',
  accepted: 'Signed and accepted',
  agreed: 'Agreement reached',
  formed: 'DAO version formed on the ledger',
  finalized: 'Version read from the chain: finalized',
  failed: 'Formation failed',
  terminated: 'Session terminated',
};

function detailOf(h: HistoryEntry): string {
  const d = h.detail;
  switch (h.change) {
    case 'created':
      return `${String(d['kind'])} of ${String(d['daoId'])} v${String(d['version'])} between ${((d['parties'] as string[] | undefined) ?? []).join(', ')}`;
    case 'proposed':
      return `β ${typeof d['betaPpm'] === 'number' ? percent(d['betaPpm']) : '?'}, agreement ${String(d['agreementId'])}, digest ${String(d['documentDigest']).slice(0, 16)}…${
        typeof d['signature'] === 'string' ? `; answers revision ${String(d['answers'])}, signed with certificate ${String(d['certificateFingerprint']).slice(0, 16)}…` : '; not signed'
      }`;
    case 'accepted':
      return `certificate ${String(d['certificateFingerprint']).slice(0, 16)}…${d['late'] ? ' (after the agreement)' : ''}`;
    case 'agreed':
      return `${String(d['agreementId'])} signed by ${((d['signedBy'] as string[] | undefined) ?? []).join(', ')}: sent to the ledger`;
    case 'formed':
      return `channel ${String(d['channel'] ?? '?')}`;
    case 'finalized':
      return `${String(d['agreementId'] ?? '')} in the DAO's versions`;
    case 'failed':
    case 'terminated':
      return `${String(d['code'] ?? '')} ${String(d['message'] ?? '')}`.trim();
  }
}

/** Every change of the session, oldest first, as the service records it (GET /sessions/:id/history). */
export function SessionHistory({ history }: { history: readonly HistoryEntry[] }) {
  return (
    <section aria-labelledby="history-title">
      <Title order={3} id="history-title" mb="xs">
        History
      </Title>
      <Timeline active={history.length - 1} bulletSize={16} lineWidth={2} color="indigo.9" data-testid="history">
        {history.map((h) => (
          <Timeline.Item key={h.seq} title={`${WHAT[h.change]}${h.revision ? ` · revision ${h.revision}` : ''}${h.state ? ` → ${h.state}` : ''}`} data-testid="history-item" data-change={h.change}>
            <Text size="sm">{h.mspId ? `${h.enrollmentId ?? '?'}@${h.mspId}` : 'the service'}</Text>
            <Text size="sm" style={{ wordBreak: 'break-all' }}>
              {detailOf(h)}
            </Text>
            <Text size="xs">{new Date(h.at).toLocaleString()}</Text>
          </Timeline.Item>
        ))}
      </Timeline>
    </section>
  );
}
