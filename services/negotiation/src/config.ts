import { z } from 'zod';
import { blankToUndefined, defineService, groupIdVariable, topicVariable as topic, type ConfigOf, type ServiceExtension } from '@datawell/config';
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
  /**
   * A session still negotiating (requested, offered, accepted) with no change for this long is
   * terminated with SESSION_EXPIRED (default 7 days).
   */
  readonly sessionIdleSeconds: number;
  /** How often the service looks for such sessions (default 60 s); a party's write checks its own session first anyway. */
  readonly expirySweepSeconds: number;
}

export const NEGOTIATION_VARIABLES = {
  ledgerEventsTopic: 'NEGOTIATION_LEDGER_EVENTS_TOPIC',
  networkEventsTopic: 'NEGOTIATION_NETWORK_EVENTS_TOPIC',
  agreementsTopic: 'NEGOTIATION_AGREEMENTS_TOPIC',
  consumerGroupId: 'NEGOTIATION_CONSUMER_GROUP_ID',
  sessionIdleSeconds: 'NEGOTIATION_SESSION_IDLE_SECONDS',
  expirySweepSeconds: 'NEGOTIATION_EXPIRY_SWEEP_SECONDS',
} as const;

const V = NEGOTIATION_VARIABLES;

/** A whole number of seconds in [min, max], `defaultValue` when unset or blank. */
function seconds(defaultValue: number, min: number, max: number) {
  return z.preprocess(
    (v) => blankToUndefined(v) ?? String(defaultValue),
    z.string().trim().regex(/^\d+$/, 'must be a whole number of seconds').transform(Number).pipe(z.number().int().min(min).max(max)),
  );
}

const negotiationExtension: ServiceExtension<NegotiationSettings> = {
  shape: {
    [V.ledgerEventsTopic]: topic('datawell.ledger.events.v1'),
    [V.networkEventsTopic]: topic('datawell.network.events.v1'),
    [V.agreementsTopic]: topic('datawell.negotiation.agreements.v1'),
    [V.consumerGroupId]: groupIdVariable('datawell-negotiation'),
    [V.sessionIdleSeconds]: seconds(7 * 24 * 3600, 1, 366 * 24 * 3600),
    [V.expirySweepSeconds]: seconds(60, 1, 24 * 3600),
  },
  build: (values) => ({
    topics: {
      ledgerEvents: values[V.ledgerEventsTopic] as string,
      networkEvents: values[V.networkEventsTopic] as string,
      agreements: values[V.agreementsTopic] as string,
    },
    consumerGroupId: values[V.consumerGroupId] as string,
    sessionIdleSeconds: values[V.sessionIdleSeconds] as number,
    expirySweepSeconds: values[V.expirySweepSeconds] as number,
  }),
};

/** The negotiation service's configuration: its registry entry and its own settings. */
export const negotiationService = defineService(SERVICES['negotiation'], negotiationExtension);
export type NegotiationConfig = ConfigOf<typeof negotiationService>;
