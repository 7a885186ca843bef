import { decodeCloudEvent, NETWORK_EVENT_TYPE, networkEventSchema } from '@datawell/contracts';

export type AgreementOutcome =
  | { readonly kind: 'formed'; readonly eventId: string; readonly agreementId: string; readonly channel: string; readonly initTxId: string }
  | { readonly kind: 'failed'; readonly eventId: string; readonly agreementId: string; readonly code: string; readonly message: string };

/** The outcome of one of our agreements in a network event (`commandId` = `agreement:<agreementId>`). */
export function agreementOutcomeOf(value: Buffer | null, warn: (problem: string) => void): AgreementOutcome | undefined {
  let event;
  try {
    event = decodeCloudEvent(value, NETWORK_EVENT_TYPE, networkEventSchema);
  } catch (error) {
    warn(String(error));
    return undefined;
  }
  const data = event.data;
  const match = /^agreement:(.+)$/.exec(data.commandId);
  if (!match) return undefined;
  const agreementId = match[1] as string;
  if (data.kind === 'dao-version-created') return { kind: 'formed', eventId: event.id, agreementId, channel: data.channel, initTxId: data.initTxId };
  if (data.kind === 'command-failed') return { kind: 'failed', eventId: event.id, agreementId, code: data.code, message: data.message };
  return undefined;
}
