import type { UsageRecord } from '@datawell/contracts';

/** `./dev usage`'s command line (usage.ts checks it before any bridge is asked). */
export interface UsageOptions {
  readonly dataset: string;
  readonly dao: string;
  readonly as: string;
  readonly version?: string;
  readonly json?: boolean;
  readonly grpc?: boolean;
}

/** One entry of the trail: the ledger's record, the DAO version and channel that recorded it. */
export type UsageEntry = UsageRecord & { version: number; channel: string };

/** The trail as the bridge's HTTP route answers it (and as the gRPC answer is turned into). */
export interface UsageTrailAnswer {
  daoId: string;
  dataset: string;
  entries: UsageEntry[];
}
