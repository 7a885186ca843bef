import { CUSTODY_REMOVED, defineService, groupIdVariable, removedSettingIssues, topicVariable as topic, type ConfigOf, type ServiceExtension } from '@datawell/config';
import { SERVICES } from '@datawell/contracts';
import { z } from 'zod';

/**
 * How a registration (`POST /participants`) becomes a network command: `automatic` sends
 * `onboard-participant` at once (the operator's bridge admits it by itself); `manual` keeps it
 * pending until an operator administrator admits it (`POST /admin/admissions/:mspId/admit`) or rejects it.
 */
export const ADMISSION_MODES = ['automatic', 'manual'] as const;
export type AdmissionMode = (typeof ADMISSION_MODES)[number];

/** Settings of the marketplace service beyond the common ones (see docs/marketplace.md). */
export interface MarketplaceSettings {
  readonly topics: {
    readonly ledgerEvents: string;
    readonly ledgerCommands: string;
    readonly ledgerReceipts: string;
    readonly networkCommands: string;
    readonly networkEvents: string;
  };
  /** Consumer group of the read models (ledger events, network events, receipts). */
  readonly groupId: string;
  /** Whether registrations wait for an operator administrator's admission (docs/marketplace.md, *Admission*). */
  readonly admission: AdmissionMode;
}

export const MARKETPLACE_VARIABLES = {
  ledgerEventsTopic: 'MARKETPLACE_LEDGER_EVENTS_TOPIC',
  ledgerCommandsTopic: 'MARKETPLACE_LEDGER_COMMANDS_TOPIC',
  ledgerReceiptsTopic: 'MARKETPLACE_LEDGER_RECEIPTS_TOPIC',
  networkCommandsTopic: 'MARKETPLACE_NETWORK_COMMANDS_TOPIC',
  networkEventsTopic: 'MARKETPLACE_NETWORK_EVENTS_TOPIC',
  groupId: 'MARKETPLACE_GROUP_ID',
  admission: 'MARKETPLACE_ADMISSION',
} as const;

const V = MARKETPLACE_VARIABLES;
const marketplaceExtension: ServiceExtension<MarketplaceSettings> = {
  shape: {
    [V.ledgerEventsTopic]: topic('datawell.ledger.events.v1'),
    [V.ledgerCommandsTopic]: topic('datawell.ledger.commands.v1'),
    [V.ledgerReceiptsTopic]: topic('datawell.ledger.receipts.v1'),
    [V.networkCommandsTopic]: topic('datawell.network.commands.v1'),
    [V.networkEventsTopic]: topic('datawell.network.events.v1'),
    [V.groupId]: groupIdVariable('datawell-marketplace'),
    [V.admission]: z.preprocess(
      (v) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : 'automatic'),
      z.enum(ADMISSION_MODES, { error: (issue) => `must be one of ${ADMISSION_MODES.join(', ')} (got "${String(issue.input)}")` }),
    ),
  },
  build: (values) => ({
    topics: {
      ledgerEvents: values[V.ledgerEventsTopic] as string,
      ledgerCommands: values[V.ledgerCommandsTopic] as string,
      ledgerReceipts: values[V.ledgerReceiptsTopic] as string,
      networkCommands: values[V.networkCommandsTopic] as string,
      networkEvents: values[V.networkEventsTopic] as string,
    },
    groupId: values[V.groupId] as string,
    admission: values[V.admission] as AdmissionMode,
  }),
  issues: (env) => removedSettingIssues(env, { MARKETPLACE_CUSTODIAL_ORGANISATIONS: CUSTODY_REMOVED }),
};

/** The marketplace service's configuration: its registry entry and its own settings. */
export const marketplaceService = defineService(SERVICES['marketplace'], marketplaceExtension);
export type MarketplaceConfig = ConfigOf<typeof marketplaceService>;
