import { defineService, groupIdVariable, topicVariable as topic, type ConfigOf, type ServiceExtension } from '@datawell/config';
import { SERVICES } from '@datawell/contracts';

/** Settings of the negotiation service beyond the common ones (see docs/negotiation.md). */
export interface NegotiationSettings {
  readonly topics: {
    /** Read model of DAOs (VersionCreated, MemberAbandoned, MemberExited). */
    readonly ledgerEvents: string;
    /** Outcome of agreements (dao-version-created, command-failed). */
    readonly networkEvents: string;
    /** Where AgreementReached is published. */
    readonly agreements: string;
  };
  /** Kafka consumer group of both consumers (each topic its own member). */
  readonly consumerGroupId: string;
}

export const NEGOTIATION_VARIABLES = {
  ledgerEventsTopic: 'NEGOTIATION_LEDGER_EVENTS_TOPIC',
  networkEventsTopic: 'NEGOTIATION_NETWORK_EVENTS_TOPIC',
  agreementsTopic: 'NEGOTIATION_AGREEMENTS_TOPIC',
  consumerGroupId: 'NEGOTIATION_CONSUMER_GROUP_ID',
} as const;

const V = NEGOTIATION_VARIABLES;

const negotiationExtension: ServiceExtension<NegotiationSettings> = {
  shape: {
    [V.ledgerEventsTopic]: topic('datawell.ledger.events.v1'),
    [V.networkEventsTopic]: topic('datawell.network.events.v1'),
    [V.agreementsTopic]: topic('datawell.negotiation.agreements.v1'),
    [V.consumerGroupId]: groupIdVariable('datawell-negotiation'),
  },
  build: (values) => ({
    topics: {
      ledgerEvents: values[V.ledgerEventsTopic] as string,
      networkEvents: values[V.networkEventsTopic] as string,
      agreements: values[V.agreementsTopic] as string,
    },
    consumerGroupId: values[V.consumerGroupId] as string,
  }),
};

/** The negotiation service's configuration: its registry entry and its own settings. */
export const negotiationService = defineService(SERVICES['negotiation'], negotiationExtension);
export type NegotiationConfig = ConfigOf<typeof negotiationService>;
