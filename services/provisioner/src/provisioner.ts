import { resolve } from 'node:path';
import { createOutboxRelay, ensureTopics, startLedgerEventConsumer, type ConnectionLogger, type OutboxPublisher, type TopicConsumer } from '@datawell/messaging';
import { codeRootOf, workloadProgramArgs } from '@datawell/workload-runtime';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { BullJobQueue } from './provisioning/job-queue.adapter';
import { ProvisioningRepository } from './provisioning/provisioning.repository';
import { InvalidLedgerEventError } from './provisioning/ledger-effects';
import { FabricCaNodeIdentityIssuer } from './provisioning/node-identity.adapter';
import { ProvisioningView } from './provisioning/provisioning-view.service';
import { INBOX_CONSUMER, ProvisioningService } from './provisioning/provisioning.service';
import type { RenderContext } from './provisioning/tofu-config';
import type { ProvisionerConfig } from './config';

/** The code root (the repository, or its compiled tree dist/): the launcher's working directory. */
export const REPO_DIR = resolve(__dirname, '..', '..', '..');

export interface ProvisionerOptions {
  /** The service's settings and connections (the workloads it launches get the Kafka brokers; OpenTofu's backend the PostgreSQL URL). */
  readonly config: ProvisionerConfig;
  readonly dataSource: DataSource;
  readonly kafka: Kafka;
  readonly logger: ConnectionLogger;
}

/**
 * The provisioner's composition root: the repository, the job queue and its worker, the
 * provisioning service (OpenTofu runs, workloads), the read view over HTTP and gRPC, the outbox
 * relay and the ledger-events consumer. `start` enqueues and reconciles recorded jobs, resumes
 * workloads and runs the relay, worker and consumer; `stop` ends them; the Nest module
 * (provisioner.module.ts) calls both.
 */
export class Provisioner {
  readonly repository: ProvisioningRepository;
  readonly queue: BullJobQueue;
  readonly service: ProvisioningService;
  readonly view: ProvisioningView;
  readonly render: RenderContext;
  readonly settings: ProvisionerConfig['settings'];
  readonly #outbox: OutboxPublisher;
  #consumer: TopicConsumer | undefined;
  readonly #dataSource: DataSource;
  readonly #logger: ConnectionLogger;
  readonly #kafka: Kafka;
  #stopping = false;

  constructor({ config, dataSource, kafka, logger }: ProvisionerOptions) {
    const settings = config.settings;
    this.#logger = logger;
    this.settings = settings;
    this.#kafka = kafka;
    this.#dataSource = dataSource;
    this.repository = new ProvisioningRepository(dataSource, config.postgres.schema);
    this.queue = new BullJobQueue({
      redisUrl: config.redis.url,
      name: settings.queueName,
      attempts: settings.jobAttempts,
      lockSeconds: settings.jobLockSeconds,
      stalledCheckSeconds: settings.stalledCheckSeconds,
      logger: this.#logger,
    });
    this.#outbox = createOutboxRelay({ dataSource, schema: config.postgres.schema, kafka, logger: this.#logger });
    this.render = {
      workloadsRoot: resolve(settings.workDir, 'workloads'),
      repoDir: REPO_DIR,
      nodeBinary: process.execPath,
      // The workload programs run as this service does: compiled under ./dev, from sources under jest.
      launcher: workloadProgramArgs(codeRootOf(__filename, 3), 'launcher'),
      kafkaBrokers: config.kafka.brokers,
      ...(config.kafka.credentialsFile ? { kafkaCredentialsFile: config.kafka.credentialsFile } : {}),
      telemetryTopic: settings.topics.telemetry,
      ...(config.kafka.trafficKey?.file ? { trafficKeyFile: config.kafka.trafficKey.file } : {}),
      backendSchema: settings.tofuPgSchema,
    };
    this.service = new ProvisioningService({
      repository: this.repository,
      queue: this.queue,
      render: this.render,
      ...(settings.mpcCa ? { mesh: { ca: settings.mpcCa, controlClientNames: settings.mpcControlClientNames, ...(settings.mpcOtExtension ? { otExtension: settings.mpcOtExtension } : {}) } } : {}),
      tofu: { binary: settings.tofuBinary, root: resolve(settings.workDir, 'tofu'), postgresUrl: config.postgres.url },
      commandsTopic: settings.topics.ledgerCommands,
      ...(settings.member ? { member: settings.member.mspId } : {}),
      ...(settings.memberMesh
        ? {
            memberMesh: {
              issuer: new FabricCaNodeIdentityIssuer(settings.memberMesh.enroll),
              coordinatorCaFile: settings.memberMesh.coordinatorCaFile,
              controlClientNames: settings.mpcControlClientNames,
              ...(settings.mpcOtExtension ? { otExtension: settings.mpcOtExtension } : {}),
              ...(settings.memberMesh.ledgerUrl ? { ledgerUrl: settings.memberMesh.ledgerUrl } : {}),
              ...(settings.memberMesh.coordinatorUrl ? { coordinatorUrl: settings.memberMesh.coordinatorUrl } : {}),
            },
          }
        : {}),
      logger: this.#logger,
      wakeOutbox: () => this.#outbox.notify(),
    });
    this.view = new ProvisioningView(this.repository, this.queue, settings.tofuPgSchema);
  }

  async start(): Promise<void> {
    void this.#ensureTopics();
    this.#outbox.start();
    this.queue.process(
      (job) => this.service.run(job),
      (job, reason) => this.service.recordGivenUp(job, reason),
    );
    await this.service.enqueuePending().catch((error: unknown) => this.#logger.warn({ message: 'could not enqueue recorded jobs at boot', error: String(error) }));
    await this.service
      .reconcileGivenUp()
      .then((ids) => ids.length > 0 && this.#logger.warn({ message: 'jobs the queue gave up on while the provisioner was down, recorded as failed', jobs: ids }))
      .catch((error: unknown) => this.#logger.warn({ message: 'could not reconcile jobs with the queue at boot', error: String(error) }));
    // In the background: starting a supervisor takes a few seconds and the API should answer meanwhile.
    void this.service
      .resumeWorkloads()
      .then((ids) => ids.length > 0 && this.#logger.log({ message: 'workloads whose processes were gone started again', workloads: ids }))
      .catch((error: unknown) => this.#logger.warn({ message: 'could not resume workloads at boot', error: String(error) }));
    // The offset is committed after the event's effect committed; a malformed event is skipped.
    this.#consumer = startLedgerEventConsumer({
      kafka: this.#kafka,
      topic: this.settings.topics.ledgerEvents,
      groupId: this.settings.eventsGroupId,
      logger: this.#logger,
      inbox: { dataSource: this.#dataSource, schema: this.repository.schema, consumer: INBOX_CONSUMER },
      handlers: this.service.ledgerEventHandlers,
      unusable: (error) => error instanceof InvalidLedgerEventError,
      afterEvent: () => this.service.enqueuePending(),
    });
  }

  async #ensureTopics(): Promise<void> {
    const { topics } = this.settings;
    for (let delay = 1000; !this.#stopping; delay = Math.min(delay * 2, 30_000)) {
      try {
        await ensureTopics(this.#kafka, [topics.ledgerEvents, topics.ledgerCommands, topics.telemetry]);
        return;
      } catch (error) {
        this.#logger.warn({ message: 'cannot create the provisioner topics yet; retrying', error: String(error), delayMs: delay });
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#consumer?.stop();
    await this.queue.close();
    await this.#outbox.stop();
  }
}
