import { Group, Text } from '@mantine/core';
import type { LiveState } from './useDaoLive';

const LABELS = { connecting: 'Connecting to live updates…', live: 'Live', reconnecting: 'Reconnecting…', refused: 'Live updates off' } as const;
const DOT = { connecting: 'gray.7', live: 'green.9', reconnecting: 'orange.9', refused: 'red.9' } as const;

/**
 * Whether the page follows the ledger as it happens: a polite status region, so a screen reader
 * hears when updates stop and come back; the colour is only a redundant cue beside the words.
 */
export function LiveIndicator({ state, liveTitle = 'Changes on the ledger appear here as your bridge sees them' }: { state: LiveState; liveTitle?: string }) {
  const title = state.status === 'live' ? liveTitle : state.detail;
  return (
    <Group gap={6} role="status" aria-live="polite" data-testid="live-status" data-status={state.status} title={title}>
      <Text component="span" c={DOT[state.status]} aria-hidden="true" size="sm">
        ●
      </Text>
      <Text component="span" size="sm">
        {LABELS[state.status]}
        {state.status === 'refused' && state.detail ? ` (${state.detail})` : ''}
      </Text>
    </Group>
  );
}
