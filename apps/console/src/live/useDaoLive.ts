import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { origin, tokenFor, tokenRejected } from '../api/client';
import { followDao, type LiveStatus } from './dao-live';

export interface LiveState {
  readonly status: LiveStatus;
  readonly detail?: string | undefined;
}

/** The queries a DAO page reads through the member's bridge: its versions (['dao', me, daoId, …]) and each version's proposals (['proposals', me, daoId, …]). */
export const daoQueryKeys = (me: string, daoId: string) => [['dao', me, daoId], ['proposals', me, daoId]] as const;

/** Marks the DAO page's queries stale: those on screen are read again at once, through the member's bridge. */
export async function refreshDao(client: QueryClient, me: string, daoId: string): Promise<void> {
  await Promise.all(daoQueryKeys(me, daoId).map((queryKey) => client.invalidateQueries({ queryKey })));
}

/**
 * While the DAO page is open, follows the DAO's live notifications from the member's own ledger
 * bridge (GET /daos/:daoId/events, through the console's proxy) and reads the page's queries again on
 * each one, and on each (re)connection, for what happened while the stream was down. Instead of
 * polling: nothing is read again while nothing happens.
 */
export function useDaoLive(daoId: string, me: string | undefined, enabled: boolean): LiveState {
  const client = useQueryClient();
  const [state, setState] = useState<LiveState>({ status: 'connecting' });
  useEffect(() => {
    if (!enabled || !me) return;
    const refresh = () => void refreshDao(client, me, daoId);
    return followDao({
      url: `${origin}/api/member/daos/${encodeURIComponent(daoId)}/events`,
      token: () => tokenFor('member'),
      onNotification: refresh,
      onReady: refresh,
      onStatus: (status, detail) => setState({ status, detail }),
      onUnauthorized: (message) => tokenRejected(message),
    });
  }, [client, daoId, me, enabled]);
  return state;
}
