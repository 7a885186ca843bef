import { Alert, Badge, Center, Loader } from '@mantine/core';
import { ApiError } from '../api/client';

export function Loading({ label = 'Loading' }: { label?: string }) {
  return (
    <Center p="lg" role="status" aria-live="polite">
      <Loader size="sm" aria-label={label} />
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

const STATUS_COLORS: Record<string, string> = { open: 'green', submitted: 'yellow', withdrawn: 'gray', failed: 'red' };

export function StatusBadge({ status }: { status: string }) {
  // Filled dark shades keep the badge's text contrast at AA.
  return (
    <Badge color={`${STATUS_COLORS[status] ?? 'gray'}.9`} variant="filled">
      {status}
    </Badge>
  );
}

/** Reputation as the chaincode scores it (0-5, thousandths), or "no ratings yet". */
export function reputationText(reputation: { count: number; scoreMilli: number }): string {
  return reputation.count === 0 ? 'no ratings yet' : `${(reputation.scoreMilli / 1000).toFixed(1)} / 5 (${reputation.count} rating${reputation.count === 1 ? '' : 's'})`;
}
