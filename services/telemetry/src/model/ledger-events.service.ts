import { ContractValidationError, DAO, decodeCloudEvent, LEDGER_RECEIPT_TYPE, ledgerReceiptSchema } from '@datawell/contracts';
import { processOnce, type ConnectionLogger, type LedgerEffect, type LedgerEventHandlerOptions, type LedgerEventHandlers, type LedgerEventMeta } from '@datawell/messaging';
import { ProjectionError, projectLedgerEvent } from './ledger-projection';
import type { TelemetryRepository } from './telemetry.repository';

/** Ledger events and receipts in: the read models, and the outcome of telemetry's own commands. */
export class LedgerEventsService {
  /**
   * The ledger events' decisions, for the messaging library's ledger-event consumer: the pure
   * `projectLedgerEvent` decides, the projections commit once per event id (`inbox`); a
   * `ProjectionError` is an event that can never be applied (`unusable`).
   */
  readonly handlers: LedgerEventHandlers;
  readonly inbox: LedgerEventHandlerOptions['inbox'];
  readonly unusable = (error: unknown): boolean => error instanceof ProjectionError;

  constructor(
    private readonly repository: TelemetryRepository,
    private readonly logger: ConnectionLogger,
  ) {
    const decide = (_event: unknown, meta: LedgerEventMeta) => this.#project(meta);
    this.inbox = { dataSource: repository.dataSource, schema: repository.schema, consumer: 'ledger-events' };
    this.handlers = {
      [DAO.event.VersionCreated]: decide,
      [DAO.event.WorkloadRegistered]: decide,
      [DAO.event.MemberAbandoned]: decide,
      [DAO.event.MemberExited]: decide,
      [DAO.event.TelemetryRecorded]: decide,
      [DAO.event.ProposalDecided]: decide,
    };
  }

  #project(meta: LedgerEventMeta): LedgerEffect | undefined {
    const projections = projectLedgerEvent(meta.ledger, Date.parse(meta.time));
    if (projections.length === 0) return undefined;
    return async (manager) => {
      for (const projection of projections) await this.repository.apply(manager, projection);
      return () => this.logger.debug({ message: 'ledger event applied', eventId: meta.id, event: meta.ledger.eventName, channel: meta.ledger.channel });
    };
  }

  /** One message of the receipts topic: only telemetry's own commands matter here. */
  async handleReceipt(value: Buffer | null): Promise<void> {
    let envelope;
    try {
      envelope = decodeCloudEvent(value, LEDGER_RECEIPT_TYPE, ledgerReceiptSchema);
    } catch (error) {
      if (!(error instanceof ContractValidationError)) throw error;
      this.logger.warn({ message: 'unreadable ledger receipt skipped', code: error.code, error: error.message });
      return;
    }
    const receipt = envelope.data;
    if (!receipt.commandId.startsWith('telemetry:')) return;
    const { dataSource, schema } = this.repository;
    await processOnce(dataSource, schema, 'ledger-receipts', envelope.id, async (manager) => {
      await this.repository.applyReceipt(manager, receipt);
    });
    if (receipt.status === 'failed') {
      this.logger.warn({ message: 'telemetry command failed on the ledger', commandId: receipt.commandId, code: receipt.errorCode, error: receipt.errorMessage });
    }
  }
}
