import type { AgreementReached, NetworkCommand, NetworkEvent } from '@datawell/contracts';
import type { ConnectionLogger, WakeOutbox } from '@datawell/messaging';
import { AdminError } from '../admin/admin.errors';
import type { DaoVersionRecord, EnrolledCertificate, ParticipantRecord } from '../admin/admin.service';
import { AgreementSignatureError, verifyAgreementSignatures } from './agreement-signatures';

/** What the network consumers ask of the operator's administration (AdminService). */
export interface NetworkAdmin {
  onboardParticipant(input: unknown): Promise<ParticipantRecord>;
  enrollIdentity(input: unknown): Promise<EnrolledCertificate>;
  createDaoVersion(input: unknown): Promise<DaoVersionRecord>;
  /** The CA certificate of an organisation of the network, if there is one. */
  orgCaCertificate(mspId: string): string | undefined;
}

/** The inbox and outbox of network messages (NetworkRepository). */
export interface NetworkInbox {
  handled(consumer: string, messageId: string): Promise<boolean>;
  exclusively<T>(consumer: string, messageId: string, work: () => Promise<T>): Promise<T>;
  complete(consumer: string, messageId: string, event: NetworkEvent, key: string): Promise<boolean>;
}

export const COMMANDS_CONSUMER = 'ledger-bridge.network-commands';
export const AGREEMENTS_CONSUMER = 'ledger-bridge.agreements';

export interface NetworkServiceOptions {
  readonly admin: NetworkAdmin;
  readonly repository: NetworkInbox;
  readonly logger: ConnectionLogger;
  /** Called after an outcome was written to the outbox (the relay's `notify`). */
  readonly wakeOutbox?: WakeOutbox;
  /** Attempts at an outcome when the network itself fails (CA, peer, orderer away); then UNAVAILABLE. */
  readonly maxAttempts?: number;
  readonly retryDelayMs?: number;
  /** While true, retries stop and the message is left for redelivery. */
  readonly stopping?: () => boolean;
}

/** A message whose outcome was not decided because the bridge is stopping: it is redelivered. */
export class StoppingError extends Error {
  override readonly name = 'StoppingError';
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Turns network commands and signed agreements into network events. Every message gets exactly one
 * outcome, written with its inbox claim: the result, or `command-failed` with a stable code — the
 * request's fault (the admin's codes, INVALID_CSR, BAD_SIGNATURE, …) at once, the network's
 * (UNAVAILABLE) after retries. The administration is idempotent, so redoing a half-done message
 * after a crash finishes it.
 */
export class NetworkService {
  constructor(private readonly options: NetworkServiceOptions) {}

  async handleCommand(command: NetworkCommand): Promise<void> {
    await this.#once(COMMANDS_CONSUMER, command.commandId, command.mspId, command.mspId, async () => {
      try {
        return await this.commandOutcome(command);
      } catch (error) {
        if (error instanceof AdminError) return failed(command.commandId, command.mspId, error.code, error.message);
        throw error;
      }
    });
  }

  async handleAgreement(event: AgreementReached): Promise<void> {
    const commandId = `agreement:${event.agreementId}`;
    const subject = `dao-${event.daoId}-v${event.version}`;
    await this.#once(AGREEMENTS_CONSUMER, commandId, subject, event.daoId, async () => {
      try {
        return await this.agreementOutcome(event);
      } catch (error) {
        if (error instanceof AdminError || error instanceof AgreementSignatureError) return failed(commandId, subject, error.code, error.message);
        throw error;
      }
    });
  }

  /** A message that is not a valid command or agreement, but names an id to answer to. */
  async reject(consumer: string, commandId: string, subject: string, key: string, code: string, message: string): Promise<void> {
    await this.#once(consumer, commandId, subject, key, async () => failed(commandId, subject, code, message));
  }

  async commandOutcome(command: NetworkCommand): Promise<NetworkEvent> {
    switch (command.kind) {
      case 'onboard-participant': {
        const p = await this.options.admin.onboardParticipant({ mspId: command.mspId, role: command.role, name: command.name, ...(command.ownCa ? { ownCa: true } : {}) });
        return { kind: 'participant-onboarded', commandId: command.commandId, mspId: p.mspId, role: p.role, name: p.name, caCertPem: p.caCertPem };
      }
      case 'enroll-identity': {
        const e = await this.options.admin.enrollIdentity({ mspId: command.mspId, enrollmentId: command.enrollmentId, csrPem: command.csrPem });
        return { kind: 'identity-enrolled', commandId: command.commandId, mspId: e.mspId, enrollmentId: e.enrollmentId, certificatePem: e.certificatePem, caCertPem: e.caCertPem };
      }
    }
  }

  async agreementOutcome(event: AgreementReached): Promise<NetworkEvent> {
    const { agreement } = event;
    for (const field of ['agreementId', 'daoId', 'version'] as const) {
      if (agreement[field] !== event[field]) throw new AdminError('INVALID_REQUEST', `agreement.${field} (${JSON.stringify(agreement[field])}) differs from the event's ${field} (${JSON.stringify(event[field])})`);
    }
    verifyAgreementSignatures(event, (mspId) => this.options.admin.orgCaCertificate(mspId));
    const v = await this.options.admin.createDaoVersion({ agreement, signatures: event.signatures });
    // The first mark of a formation's split (./dev bench ledger reads it): in domains, the members join from here.
    this.options.logger.log({ message: 'channel of a DAO version built from its agreement', channel: v.channel });
    return { kind: 'dao-version-created', commandId: `agreement:${event.agreementId}`, daoId: v.daoId, version: v.version, channel: v.channel, members: [...v.members], initTxId: v.initTxId };
  }

  async #once(consumer: string, id: string, subject: string, key: string, outcome: () => Promise<NetworkEvent>): Promise<void> {
    const { repository, logger } = this.options;
    await repository.exclusively(consumer, id, async () => {
      if (await repository.handled(consumer, id)) {
        logger.log({ message: 'network message handled already; skipped', consumer, id });
        return;
      }
      const event = await this.#withRetries(id, subject, outcome);
      if (await repository.complete(consumer, id, event, key)) {
        if (event.kind === 'command-failed') logger.warn({ message: 'network message failed', consumer, id, code: event.code, error: event.message });
        this.options.wakeOutbox?.();
      }
    });
  }

  async #withRetries(id: string, subject: string, outcome: () => Promise<NetworkEvent>): Promise<NetworkEvent> {
    const max = this.options.maxAttempts ?? 5;
    let delay = this.options.retryDelayMs ?? 2000;
    for (let attempt = 1; ; attempt++) {
      try {
        return await outcome();
      } catch (error) {
        if (this.options.stopping?.()) throw new StoppingError(`stopping: ${id} is left for redelivery`, { cause: error });
        if (attempt >= max) return failed(id, subject, 'UNAVAILABLE', `gave up after ${attempt} attempts: ${describe(error)}`);
        this.options.logger.warn({ message: 'network message failed; retrying', id, attempt, error: describe(error), delayMs: delay });
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 30_000);
      }
    }
  }
}

function failed(commandId: string, subject: string, code: string, message: string): NetworkEvent {
  return { kind: 'command-failed', commandId, subject, code, message: message.slice(0, 2000) };
}
