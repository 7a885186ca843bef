import { Alert, Badge, Center, Loader, VisuallyHidden } from '@mantine/core';
import { ApiError } from '../api/client';

export function Loading({ label = 'Loading' }: { label?: string }) {
  return (
    <Center p="lg" role="status">
      {/* The spinner is a bare span: its name goes in text, not in an aria-label it may not carry. */}
      <Loader size="sm" aria-hidden />
      <VisuallyHidden>{label}</VisuallyHidden>
    </Center>
  );
}

/** A failed request as the service explained it ({code, message}). */
export function Failure({ error }: { error: unknown }) {
  const title = error instanceof ApiError ? `${error.code} (${error.status})` : 'Request failed';
  return (
    <Alert color="red" title={title} role="alert">
      {error instanceof Error ? error.message : String(error)}
    </Alert>
  );
}

/**
 * Badge backgrounds dark enough for white text at WCAG AA (4.5:1) at badge size; Mantine's filled
 * green and yellow shades are not (axe in chromium flagged them).
 */
export const BADGE_COLORS = {
  open: '#1b5e20',
  active: '#1b5e20',
  pending: '#7a4f01',
  submitted: '#7a4f01',
  withdrawn: '#495057',
  failed: '#a61e1e',
  // A participant the operator suspended.
  suspended: '#a61e1e',
  accepted: '#1b5e20',
  rejected: '#a61e1e',
  expired: '#495057',
  exited: '#495057',
  dissolved: '#495057',
  // A transfer of rights: offered until it completes.
  offered: '#7a4f01',
  // Infrastructure jobs and workloads' heartbeats.
  completed: '#1b5e20',
  healthy: '#1b5e20',
  waiting: '#7a4f01',
  retrying: '#7a4f01',
  late: '#7a4f01',
  silent: '#a61e1e',
  abandoned: '#a61e1e',
  // A computation at the coordinator.
  queued: '#7a4f01',
  running: '#1864ab',
  // A usage trail's outcomes.
  granted: '#1b5e20',
  refused: '#a61e1e',
  data: '#1864ab',
  value: '#862e9c',
  neutral: '#212529',
} as const;

export function StatusBadge({ status }: { status: string }) {
  return (
    <Badge color={BADGE_COLORS[status as keyof typeof BADGE_COLORS] ?? BADGE_COLORS.neutral} variant="filled">
      {status}
    </Badge>
  );
}

export function KindBadge({ kind, suffix = '' }: { kind: 'data' | 'value'; suffix?: string }) {
  return (
    <Badge color={BADGE_COLORS[kind]} variant="filled">
      {kind}
      {suffix}
    </Badge>
  );
}

/** Reputation as the chaincode scores it (0-5, thousandths), or "no ratings yet". */
export function reputationText(reputation: { count: number; scoreMilli: number }): string {
  return reputation.count === 0 ? 'no ratings yet' : `${(reputation.scoreMilli / 1000).toFixed(1)} / 5 (${reputation.count} rating${reputation.count === 1 ? '' : 's'})`;
}
