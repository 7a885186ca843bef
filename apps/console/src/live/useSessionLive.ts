import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { origin, tokenFor, tokenRejected } from '../api/client';
import { followStream } from './dao-live';
import type { LiveState } from './useDaoLive';

/** What the negotiation service says changed in a session (`event: change`): the seq of its new history entry. */
export interface SessionChange {
  readonly sessionId: string;
  readonly seq: number;
}

export function parseSessionChange(data: string): SessionChange | undefined {
  try {
    const c = JSON.parse(data) as Partial<SessionChange>;
    return typeof c.sessionId === 'string' && typeof c.seq === 'number' ? (c as SessionChange) : undefined;
  } catch {
    return undefined;
  }
}

/** Marks the room's queries stale: the session (its history follows its updatedAt) and the session list. */
export async function refreshSession(client: QueryClient, sessionId: string): Promise<void> {
  await Promise.all([client.invalidateQueries({ queryKey: ['session', sessionId] }), client.invalidateQueries({ queryKey: ['sessions'] })]);
}

/**
 * While the negotiation room is open, follows the session's changes from the negotiation service
 * (GET /sessions/:id/events, through the console's proxy) and reads the session again on each one,
 * and on each (re)connection: the other party's proposal or signature appears as it is committed.
 */
export function useSessionLive(sessionId: string, enabled: boolean): LiveState {
  const client = useQueryClient();
  const [state, setState] = useState<LiveState>({ status: 'connecting' });
  useEffect(() => {
    if (!enabled) return;
    const refresh = () => void refreshSession(client, sessionId);
    return followStream({
      url: `${origin}/api/negotiation/sessions/${encodeURIComponent(sessionId)}/events`,
      event: 'change',
      parse: parseSessionChange,
      token: () => tokenFor('negotiation'),
      onMessage: refresh,
      onReady: refresh,
      onStatus: (status, detail) => setState({ status, detail }),
      onUnauthorized: (message) => tokenRejected(message),
    });
  }, [client, sessionId, enabled]);
  return state;
}
