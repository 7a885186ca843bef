import { join } from 'node:path';
import { submitTransaction, unsealedEvents } from '@datawell/fabric';
import type { MemberFabric } from '@datawell/stack';
import type { FabricPeerConfig, LedgerBridgeConfig, MemberAdminConfig } from './config';
import { DAO, MARKETPLACE, memberInboxCloudEvent, memberInboxTopic, OPERATOR_MSP, TOPICS, type MemberInboxMessage } from '@datawell/contracts';
import { createOutboxRelay, ensureTopics, type ConnectionLogger, type OutboxPublisher } from '@datawell/messaging';
import type { Kafka, Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { AdminService, MARKETPLACE_CHANNEL, type MemberInbox } from './admin/admin.service';
import type { EvaluateAs } from './admin/dao-reads';
import type { MemberLedger } from './admin/member-dao';
import { stackFabricAdmin, type FabricAdmin } from './admin/fabric-admin.adapter';
import { GatewayOrgLedger } from './admin/org-ledger.adapter';
import { ChannelsRepository, type KnownChannel } from './channels/channels.repository';
import { CommandService } from './commands/command.service';
import { CommandsConsumer } from './commands/commands.consumer';
import { OperationsRepository } from './commands/operations.repository';
import { BRIDGE_SOURCE } from './events/event-messages';
import { EventRelay } from './events/event-relay.service';
import { LedgerEventsRepository } from './events/ledger-events.repository';
import { Gateways, type PeerDirectory } from './fabric/gateways.adapter';
import { NetworkConsumer } from './network/network.consumer';
import { NetworkRepository } from './network/network.repository';
import { NetworkService } from './network/network.service';
import { FileWallet } from './wallet/wallet.adapter';
import { ChaincodeUpgrades } from './member-network/chaincode-upgrades';
import { ChannelConfigWatch } from './member-network/channel-config-watch';
import { CollectionRedefinitions } from './member-network/collection-redefinition';
import { MemberNetworkConsumer } from './member-network/member-network.consumer';
import { checkSeatedChannel, MemberNetworkService, stackMemberAdmin, type MemberAdmin } from './member-network/member-network.service';
import { ConfigSignatures } from './member-network/config-signature';
import { NegotiationAdmissionJoins, type AdmissionJoins } from './member-network/admission-join';
import { ProposalSweeper, SWEPT_EVENTS } from './member-network/proposal-sweeper';
import { SubscriptionCharger } from './member-network/subscription-charger';
import { LiveEvents } from './live/live-events';

/**
 * The members' inboxes, written by the operator's bridge (the broker lets only the operator write
 * there and only the member read): each message keyed by its channel, created on first use.
 */
class KafkaMemberInbox implements MemberInbox {
  #producer: Producer | undefined;
  readonly #ready = new Set<string>();

  constructor(private readonly kafka: Kafka) {}

  async send(message: MemberInboxMessage): Promise<void> {
    const topic = memberInboxTopic(message.mspId);
    if (!this.#ready.has(topic)) {
      await ensureTopics(this.kafka, [topic], 1);
      this.#ready.add(topic);
    }
    if (!this.#producer) {
      const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      this.#producer = producer;
    }
    await this.#producer.send({ topic, acks: -1, messages: [{ key: message.channel, value: JSON.stringify(memberInboxCloudEvent(message, BRIDGE_SOURCE)) }] });
  }

  async close(): Promise<void> {
    await this.#producer?.disconnect().catch(() => undefined);
    this.#producer = undefined;
  }
}

/** The member's own Fabric administration, from its settings: its folder and public material only. */
function memberFabricOf(mspId: string, admin: MemberAdminConfig, peer: FabricPeerConfig): MemberFabric {
  return {
    mspId,
    bin: { peer: join(admin.fabricBinDir, 'peer'), configtxgen: join(admin.fabricBinDir, 'configtxgen'), configtxlator: join(admin.fabricBinDir, 'configtxlator') },
    configDir: admin.peerConfigDir,
    adminMspDir: admin.adminMspDir,
    peer: { address: peer.endpoint, tlsRootCertFile: peer.tlsCaFile, operationsUrl: admin.peerOperationsUrl },
    workDir: admin.workDir,
    orderer: { address: admin.ordererEndpoint, hostOverride: admin.ordererEndpoint.split(':')[0]!, tlsCaFile: admin.ordererTlsCaFile },
    ...(admin.chaincodeServer ? { chaincodeServer: admin.chaincodeServer } : {}),
  };
}

/** Whom the bridge's ledger commands may name as acting: a member's bridge its own organisation, the operator's only the operator. */
export function onlyAs(settings: LedgerBridgeConfig): { onlyAs: string } {
  return { onlyAs: settings.member ? settings.member.mspId : OPERATOR_MSP };
}

/** Where the network administration listens and answers (defaults: the contracts' topics). */
export interface NetworkTopics {
  readonly commands: string;
  readonly events: string;
  readonly agreements: string;
  readonly commandsGroupId: string;
  readonly agreementsGroupId: string;
}

export const DEFAULT_NETWORK_TOPICS: NetworkTopics = {
  commands: TOPICS.networkCommands,
  events: TOPICS.networkEvents,
  agreements: TOPICS.agreements,
  commandsGroupId: 'datawell-ledger-bridge-network-commands',
  agreementsGroupId: 'datawell-ledger-bridge-agreements',
};

export interface LedgerBridgeOptions {
  readonly dataSource: DataSource;
  /** The PostgreSQL schema holding the bridge's tables (migrated already). */
  readonly schema: string;
  readonly kafka: Kafka;
  readonly settings: LedgerBridgeConfig;
  readonly logger: ConnectionLogger;
  readonly outboxPollIntervalMs?: number;
  /** Organisations' own peers (the operator's bridge knows them all); else the configured peer. */
  readonly peers?: PeerDirectory;
  /** Network administration's topics and consumer groups (tests use their own). */
  readonly networkTopics?: NetworkTopics;
  /** Network administration over another FabricAdmin than the configured stack's (tests). */
  readonly fabricAdmin?: FabricAdmin;
  /** A member's own Fabric administration other than the configured one (tests run it as the domain's OS user). */
  readonly memberAdmin?: MemberAdmin;
  /** Attempts at a network message's outcome while the network fails, and the first delay between them. */
  readonly networkRetry?: { readonly maxAttempts: number; readonly delayMs: number };
  /** A member's bridge: between two looks at its own peer for a marketplace definition it has not approved (default 60 s). */
  readonly chaincodeUpgradeIntervalMs?: number;
  /** A member's bridge: between two looks at its DAO channels' config (default 5 min; ChannelConfigWatch). */
  readonly channelConfigCheckIntervalMs?: number;
}

/**
 * The bridge's moving parts, started and stopped together: the outbox relay, the chaincode event
 * relay and the commands consumer. Without a configured peer only the outbox relay runs. When the
 * bridge is the operator's (LEDGER_BRIDGE_ADMIN_* and a wallet), it also holds the network
 * administration and consumes network commands and signed agreements.
 */
export class LedgerBridge {
  readonly channels: ChannelsRepository;
  readonly operations: OperationsRepository;
  /** The operator's network administration, when this bridge is the operator's. */
  readonly admin: AdminService | undefined;
  /** The member's own ledger (reads and writes as itself, through its own peer), when this bridge is a member's. */
  readonly memberLedger: MemberLedger | undefined;
  /** A member's bridge signs a transfer's seat or unseat config update as its own admin, after its own check (member-network/config-signature.ts). */
  readonly configSignatures: ConfigSignatures | undefined;
  /** A member's bridge approves (and commits) the dao chaincode's new collection as its own admin once a seat or unseat changed the channel's organisations (member-network/collection-redefinition.ts). */
  readonly collectionRedefinitions: CollectionRedefinitions | undefined;
  /** Where a member's bridge opens the join of an accepted admit-member proposal (LEDGER_BRIDGE_NEGOTIATION_URL), when configured. */
  readonly admissionJoins: AdmissionJoins | undefined;
  /** The dao chaincode events this bridge's peer delivers, per DAO, for the live route (GET /daos/:daoId/events). */
  readonly live = new LiveEvents();
  readonly #outbox: OutboxPublisher;
  readonly #gateways: Gateways | undefined;
  readonly #events: EventRelay | undefined;
  readonly #consumer: CommandsConsumer | undefined;
  readonly #orgLedger: GatewayOrgLedger | undefined;
  readonly #network: NetworkConsumer[] = [];
  readonly #memberNetwork: MemberNetworkConsumer | undefined;
  /** A member's bridge approves, as its own admin, the marketplace definitions the operator commits alone (an upgrade). */
  readonly #chaincodeUpgrades: ChaincodeUpgrades | undefined;
  /** A member's bridge checks again the config of its DAO channels, and signs nothing on one that fails its checks. */
  readonly #configWatch: ChannelConfigWatch | undefined;
  /** A member's bridge closes its DAOs' proposals whose voting period has ended. */
  readonly #proposalSweeper: ProposalSweeper | undefined;
  /** A member's bridge: charges the subscription periods of the DAOs where its organisation is D. */
  readonly #subscriptions: SubscriptionCharger | undefined;
  readonly #inbox: KafkaMemberInbox;
  readonly #networkTopics: NetworkTopics;
  #stopping = false;

  constructor(private readonly options: LedgerBridgeOptions) {
    const { dataSource, schema, kafka, settings, logger } = options;
    this.channels = new ChannelsRepository(dataSource, schema);
    this.operations = new OperationsRepository(dataSource, schema, settings.topics.receipts, BRIDGE_SOURCE);
    this.#outbox = createOutboxRelay({
      dataSource,
      schema,
      kafka,
      logger,
      ...(options.outboxPollIntervalMs ? { pollIntervalMs: options.outboxPollIntervalMs } : {}),
    });
    this.#networkTopics = options.networkTopics ?? DEFAULT_NETWORK_TOPICS;
    this.#inbox = new KafkaMemberInbox(kafka);
    const wakeOutbox = () => this.#outbox.notify();
    if ((settings.admin || options.fabricAdmin) && settings.walletDir) {
      const fabric = options.fabricAdmin ?? stackFabricAdmin(settings.admin!);
      const wallet = new FileWallet(settings.walletDir);
      this.#orgLedger = new GatewayOrgLedger(fabric, wallet);
      this.admin = new AdminService(
        fabric,
        this.#orgLedger,
        { register: async (name, chaincodes, actingMspId) => void (await this.addChannel({ name, chaincodes, actingMspId })) },
        this.#inbox,
      );
      const topics = this.#networkTopics;
      const service = new NetworkService({
        admin: this.admin,
        repository: new NetworkRepository(dataSource, schema, topics.events),
        logger,
        wakeOutbox,
        stopping: () => this.#stopping,
        ...(options.networkRetry ? { maxAttempts: options.networkRetry.maxAttempts, retryDelayMs: options.networkRetry.delayMs } : {}),
      });
      this.#network.push(
        new NetworkConsumer({ kafka, topic: topics.commands, groupId: topics.commandsGroupId, what: 'commands', service, logger }),
        new NetworkConsumer({ kafka, topic: topics.agreements, groupId: topics.agreementsGroupId, what: 'agreements', service, logger }),
      );
    }
    if (!settings.fabric || !settings.walletDir) return;
    const gateways = new Gateways(settings.fabric, new FileWallet(settings.walletDir), options.peers);
    this.#gateways = gateways;
    const evaluateAs: EvaluateAs = async (mspId, channel, chaincode, fn, args) =>
      Buffer.from(await (await gateways.for(mspId)).getNetwork(channel).getContract(chaincode).evaluateTransaction(fn, ...args)).toString('utf8');
    const memberAdmin = options.memberAdmin ?? (settings.member && settings.memberAdmin ? stackMemberAdmin(memberFabricOf(settings.member.mspId, settings.memberAdmin, settings.fabric)) : undefined);
    if (settings.member) {
      const self = settings.member.mspId;
      // A channel the member left (its position transferred) is none of its channels any more: not read, swept, relayed or checked.
      const followed = async () => (await this.channels.followed()).map((c) => c.name);
      const configWatch = memberAdmin
        ? new ChannelConfigWatch({ admin: memberAdmin, mspId: self, channels: followed, logger, ...(options.channelConfigCheckIntervalMs ? { intervalMs: options.channelConfigCheckIntervalMs } : {}) })
        : undefined;
      this.#configWatch = configWatch;
      this.memberLedger = {
        ...(memberAdmin ? { channelOrganisations: (channel: string) => memberAdmin.channelOrganisations(channel) } : {}),
        mspId: self,
        evaluate: evaluateAs,
        submit: async (channel, chaincode, fn, args, submitOptions) => {
          // Nothing is signed on a channel whose latest config failed the member's checks (ChannelConfigWatch).
          configWatch?.guard(channel);
          const { txId } = await submitTransaction((await gateways.for(self)).getNetwork(channel), chaincode, fn, args, submitOptions);
          return { txId };
        },
        channels: followed,
        // A seat taken by a transfer of rights: the newcomer checks the channel's configuration (checkSeatedChannel) before relaying it.
        relay: async (channel) => {
          if (memberAdmin) await checkSeatedChannel(memberAdmin, self, channel);
          await this.addChannel({ name: channel, chaincodes: [DAO.chaincode], actingMspId: self });
        },
        proposalIds: (channel) => this.#proposalSweeper?.proposals(channel) ?? [],
        allocationIds: (channel) => this.#proposalSweeper?.allocations(channel) ?? [],
      };
      if (memberAdmin) this.configSignatures = new ConfigSignatures({ ledger: this.memberLedger, admin: memberAdmin, ...(configWatch ? { guard: (channel) => configWatch.guard(channel) } : {}) });
      if (memberAdmin) this.collectionRedefinitions = new CollectionRedefinitions({ ledger: this.memberLedger, admin: memberAdmin, ...(configWatch ? { guard: (channel) => configWatch.guard(channel) } : {}) });
      const walletDir = settings.walletDir;
      if (settings.governance?.negotiationUrl) this.admissionJoins = new NegotiationAdmissionJoins(settings.governance.negotiationUrl, () => new FileWallet(walletDir).get(self));
      this.#proposalSweeper = new ProposalSweeper({
        ledger: {
          mspId: self,
          channels: this.memberLedger.channels,
          daoEvents: async (channel) => {
            const network = (await gateways.for(self)).getNetwork(channel);
            return unsealedEvents(network, await network.getChaincodeEvents(DAO.chaincode, { startBlock: 0n }), SWEPT_EVENTS);
          },
          submit: this.memberLedger.submit,
          evaluate: (channel, chaincode, fn, args) => evaluateAs(self, channel, chaincode, fn, args),
        },
        logger,
        intervalMs: (settings.governance?.sweepSeconds ?? 10) * 1000,
        ...(this.admissionJoins ? { joins: this.admissionJoins } : {}),
      });
      this.#subscriptions = new SubscriptionCharger({
        ledger: { mspId: self, channels: this.memberLedger.channels, evaluate: (channel, chaincode, fn, args) => evaluateAs(self, channel, chaincode, fn, args), submit: this.memberLedger.submit },
        logger,
        intervalMs: (settings.governance?.subscriptionSweepSeconds ?? 30) * 1000,
      });
    }
    this.#events = new EventRelay({
      channels: this.channels,
      events: new LedgerEventsRepository(dataSource, schema, settings.topics, settings.member?.role !== 'VSP'),
      gateways: this.#gateways,
      listenAs: settings.eventsMspId,
      logger,
      wakeOutbox,
      // The sweep learns a new proposal from this event too (idempotent with its own stream), so the
      // proposals list already has it when a live page reads it again on the notification.
      onEvent: (channel, event) => {
        if (event.chaincodeName === DAO.chaincode) this.#proposalSweeper?.observe(channel, event);
        this.live.publish(channel, event);
      },
    });
    const memberLedger = this.memberLedger;
    if (settings.member && settings.inbox && memberAdmin && memberLedger) {
      const self = settings.member.mspId;
      const service = new MemberNetworkService({
        mspId: self,
        admin: memberAdmin,
        ledger: {
          submit: (channel, chaincode, fn, args, submitOptions) => memberLedger.submit(channel, chaincode, fn, args, submitOptions),
          evaluate: (channel, chaincode, fn, args) => memberLedger.evaluate(self, channel, chaincode, fn, args),
        },
        addChannel: (channel) => this.addChannel(channel),
        logger,
      });
      this.#memberNetwork = new MemberNetworkConsumer({ kafka, topic: settings.inbox.topic, groupId: settings.inbox.groupId, service, logger });
      this.#chaincodeUpgrades = new ChaincodeUpgrades({ admin: memberAdmin, channel: MARKETPLACE_CHANNEL, chaincodes: [MARKETPLACE.chaincode], logger, ...(options.chaincodeUpgradeIntervalMs ? { intervalMs: options.chaincodeUpgradeIntervalMs } : {}) });
    }
    this.#consumer = new CommandsConsumer({
      kafka,
      topic: settings.topics.commands,
      groupId: settings.commandsGroupId,
      commands: new CommandService({ operations: this.operations, gateways: this.#gateways, logger, wakeOutbox, ...onlyAs(settings) }),
      operations: this.operations,
      logger,
    });
  }

  async start(): Promise<void> {
    for (const seed of this.options.settings.channels) {
      try {
        await this.channels.add(seed);
      } catch (error) {
        this.options.logger.error({ message: 'configured channel not registered', channel: seed.name, error: String(error) });
      }
    }
    void this.#ensureTopics();
    this.#outbox.start();
    for (const consumer of this.#network) consumer.start();
    if (!this.#events || !this.#consumer) {
      this.options.logger.warn({ message: 'no Fabric peer or wallet configured: not relaying events nor submitting commands' });
      return;
    }
    await this.#events.start();
    this.#consumer.start();
    this.#memberNetwork?.start();
    this.#chaincodeUpgrades?.start();
    this.#configWatch?.start();
    this.#proposalSweeper?.start();
    this.#subscriptions?.start();
  }

  /** The bridge's topics exist before it publishes or consumes; retried in the background while Kafka is away. */
  async #ensureTopics(): Promise<void> {
    const { topics } = this.options.settings;
    for (let delay = 1000; !this.#stopping; delay = Math.min(delay * 2, 30000)) {
      try {
        const network = this.#network.length > 0 ? [this.#networkTopics.commands, this.#networkTopics.events, this.#networkTopics.agreements] : [];
        await ensureTopics(this.options.kafka, [topics.events, topics.commands, topics.receipts, ...network]);
        return;
      } catch (error) {
        this.options.logger.warn({ message: 'cannot create the bridge topics yet; retrying', error: String(error), delayMs: delay });
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /** Registers a channel (e.g. a new DAO channel with its DSP) and relays its events from now on. */
  async addChannel(channel: Parameters<ChannelsRepository['add']>[0]): Promise<KnownChannel> {
    return this.#events ? this.#events.addChannel(channel) : this.channels.add(channel);
  }

  /** The event streams being relayed, as `channel/chaincode`. */
  streams(): string[] {
    return this.#events?.streams() ?? [];
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.live.close();
    // The consumers leave their groups together: each waits out its fetch (up to kafkajs's 5 s).
    await Promise.all([...this.#network.map((c) => c.stop()), this.#memberNetwork?.stop(), this.#chaincodeUpgrades?.stop(), this.#configWatch?.stop(), this.#consumer?.stop(), this.#proposalSweeper?.stop(), this.#subscriptions?.stop()]);
    await this.#events?.stop();
    await this.#outbox.stop();
    await this.#inbox.close();
    await this.#gateways?.close();
    this.#orgLedger?.close();
  }
}
