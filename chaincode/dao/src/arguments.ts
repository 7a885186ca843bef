import type { z } from '@datawell/chaincode-common';
import type {
  allocationRelaySchema,
  choiceSchema,
  computationSchema,
  failedReportSchema,
  provisionedReportSchema,
  revenueSchema,
  snapshotSchema,
  successorSchema,
  transferOfferSchema,
  usageEntrySchema,
  workloadSchema,
} from '@datawell/contracts';

/*
 * The typed arguments the dao transactions work on: what the catalogue's argument schemas
 * (@datawell/contracts, DAO.transactions) parse the wire strings into. DaoContract parses them.
 */
export type { Acceptances, Agreement, Heartbeat, Proposal } from '@datawell/contracts';
export type Revenue = z.output<typeof revenueSchema>;
export type Successor = z.output<typeof successorSchema>;
export type AllocationRelay = z.output<typeof allocationRelaySchema>;
export type WorkloadRegistration = z.output<typeof workloadSchema>;
export type Snapshot = z.output<typeof snapshotSchema>;
export type Choice = z.output<typeof choiceSchema>;
export type ComputationReport = z.output<typeof computationSchema>;
export type ProvisionedReport = z.output<typeof provisionedReportSchema>;
export type FailedReport = z.output<typeof failedReportSchema>;
export type TransferOffer = z.output<typeof transferOfferSchema>;
export type UsageEntry = z.output<typeof usageEntrySchema>;
