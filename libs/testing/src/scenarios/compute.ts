import { randomBytes } from 'node:crypto';
import { connectionKafka, createTopicsLed, type StackConnection } from '@datawell/stack';
import { DAO } from '@datawell/contracts';
import { openReadingsProducer } from '@datawell/iot';
import { call, FinalError, negotiateAgreement, onboard, tokenAt, until, type Party } from './api';

/** Where each service answers. */
export interface ComputeUrls {
  readonly marketplace: string;
  readonly negotiation: string;
  readonly 'ledger-bridge': string;
  readonly provisioner: string;
  readonly 'mpc-coordinator': string;
}

export interface ComputeOptions {
  readonly urls: ComputeUrls;
  readonly identitiesDir: string;
  /** The stack's Kafka: brokers and the credentials file of the principal the scenario acts as. */
  readonly kafka: StackConnection['kafka'];
  readonly progress: (message: string) => void;
  /** MSP ids are `<prefix>DspMSP` and `<prefix>VspMSP`; onboarding is reused across runs. */
  readonly orgPrefix?: string;
  /** Readings the DSP's sensors publish before the computation. */
  readonly readings?: number;
  readonly timeoutMs?: number;
}

export interface ComputeResult {
  readonly daoId: string;
  readonly computation: string;
  readonly status: string;
  readonly nodes: Array<{ mspId: string; partyIndex: number; source: string }>;
  /** The mean the VSP received, and the one computed in the clear by the DSP's side of this scenario. */
  readonly mean: number;
  readonly reference: number;
  readonly resultDigest: string;
  /** Whether `ComputationCompleted` with this digest reached the ledger's events. */
  readonly recordedOnLedger: boolean;
  /**
   * The dataset's usage trail as the DSP reads it from the ledger's events: the granted request and
   * one the terms refuse (the VSP asking for the result to go to the DSP), each with its transaction.
   */
  readonly usage: Array<{ txId: string; requester: string; computation: string; recipients: string[]; outcome: string; check?: string }>;
}

/**
 * Step 7 of the life cycle through the services: a DSP whose sensors stream readings to a Kafka topic
 * and a VSP form a DAO whose infrastructure is one MPC node each; the provisioner runs them as a mesh
 * and reports them on the ledger, the coordinator registers them, and the VSP asks for the mean of the
 * readings. Only the DSP's node reads the topic; the VSP receives the mean, which is recorded on the
 * ledger as `ComputationCompleted` with its digest.
 */
export async function runCompute(opts: ComputeOptions): Promise<ComputeResult> {
  const timeout = opts.timeoutMs ?? 300_000;
  const prefix = opts.orgPrefix ?? 'Cp';
  const { urls, progress } = opts;
  const dsp = await onboard(opts, `${prefix}DspMSP`, 'DSP', timeout);
  const vsp = await onboard(opts, `${prefix}VspMSP`, 'VSP', timeout);
  const as = (party: Party, service: keyof ComputeUrls) => tokenAt(party, urls[service], timeout);
  const daoId = `cp${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const topic = `${dsp.mspId.toLowerCase()}.${daoId}.readings`;

  const count = opts.readings ?? 500;
  const values = Array.from({ length: count }, (_, i) => 80 + ((i * 37) % 113));
  const reference = values.reduce((s, v) => s + v, 0) / values.length;
  const kafka = connectionKafka(opts, 'datawell-compute-scenario');
  const admin = kafka.admin();
  await admin.connect();
  await createTopicsLed(admin, [topic, 'datawell.ledger.events.v1']).finally(() => admin.disconnect());

  const proposal = (betaPpm: number) => ({
    betaPpm,
    members: [{ mspId: dsp.mspId }, { mspId: vsp.mspId }],
    terms: { durationDays: 30, businessModel: 'pay-per-use', heartbeatIntervalSeconds: 5, abandonAfterSeconds: 600, exitNoticeSeconds: 0, computations: [{ name: 'mean', resultRecipients: [vsp.mspId] }] },
    infrastructure: {
      workloads: [
        { name: 'dsp-mpc', owner: dsp.mspId, placement: 'cloud', kind: 'mpc-node', parameters: { datasets: { readings: { topic } } } },
        { name: 'vsp-mpc', owner: vsp.mspId, placement: 'cloud', kind: 'mpc-node' },
      ],
    },
  });
  await negotiateAgreement({ urls, progress, timeoutMs: timeout, as }, 'formation', dsp, { kind: 'formation', daoId, parties: [dsp.mspId, vsp.mspId] }, [{ by: dsp, body: proposal(800_000) }], [dsp, vsp]);

  progress('provisioning: the two MPC nodes form their mesh and are reported on the ledger');
  type Node = { mspId: string; partyIndex: number; controlUrl: string; source: string; inventory?: { triples: number } };
  // Registered from the ledger, then reached by the coordinator's inventory round (the mesh is up).
  const nodes = await until('the coordinator to register both nodes from the ledger and reach them', async () => {
    const listed = await call<{ nodes?: Node[] } | Node[]>(`${urls['mpc-coordinator']}/daos/${daoId}/versions/1/nodes`, { token: await as(vsp, 'mpc-coordinator') }).catch(() => undefined);
    const list = Array.isArray(listed) ? listed : (listed?.nodes ?? []);
    return list.length === 2 && list.every((n) => n.inventory !== undefined) ? list : undefined;
  }, timeout, 2000);

  // The sensors seal every reading to the DSP node's readings key (from the provisioner's view), so the
  // topic only ever holds ciphertext; the node opens them for this dataset and secret-shares them.
  const readingsKey = await until("the DSP node's readings key in the infrastructure view", async () => {
    const view = await call<{ workloads: Array<{ owner: string; kind: string; readingsPublicKeyPem?: string | null }> }>(`${urls.provisioner}/daos/${daoId}/versions/1/infrastructure`, { token: await as(dsp, 'provisioner') }).catch(() => undefined);
    return view?.workloads.find((w) => w.owner === dsp.mspId && w.kind === 'mpc-node')?.readingsPublicKeyPem ?? undefined;
  }, timeout, 2000);
  progress(`the DSP's sensors publish ${count} sealed readings to ${topic}`);
  const sensors = await openReadingsProducer({ kafka, recipientPublicKey: readingsKey, context: { owner: dsp.mspId, dataset: 'readings', topic } });
  await sensors.publish(values.map((pm25, i) => ({ sensor: `sensor-${i % 20}`, pm25 }))).finally(() => sensors.close());

  // Watch the ledger's events for the record of the computation from now on.
  const consumer = kafka.consumer({ groupId: `compute-scenario-${daoId}` });
  const completions: Array<{ jobId: string; resultDigest: string }> = [];
  const usage: Array<ComputeResult['usage'][number] & { usageId: string; atMs: number }> = [];
  await consumer.connect();
  await consumer.subscribe({ topic: 'datawell.ledger.events.v1', fromBeginning: false });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const event = JSON.parse(String(message.value)) as { data?: { channel?: string; eventName?: string; payload?: unknown } };
      if (event.data?.channel !== `dao-${daoId}-v1`) return;
      const decoded = DAO.decode({ eventName: event.data.eventName ?? '', payload: event.data.payload });
      if (decoded?.name === DAO.event.ComputationCompleted) completions.push({ jobId: decoded.payload.jobId, resultDigest: String(decoded.payload.resultDigest) });
      if (decoded?.name === DAO.event.UsageRecorded && decoded.payload.dataset.name === 'readings') {
        const u = decoded.payload;
        usage.push({ usageId: u.usageId, atMs: u.atMs, txId: u.txId, requester: u.requester.mspId, computation: u.computation, recipients: u.recipients, outcome: u.outcome, ...(u.check ? { check: u.check } : {}) });
      }
    },
  });
  try {
    progress(`${vsp.mspId} asks for the mean of the readings (the DSP's data stays secret-shared)`);
    const requested = await call<{ id: string }>(`${urls['mpc-coordinator']}/computations`, {
      method: 'POST',
      token: await as(vsp, 'mpc-coordinator'),
      body: { daoId, version: 1, computation: 'mean', parameters: { columns: ['pm25'] }, dataset: { name: 'readings' } },
    });
    const done = await until('the computation to finish', async () => {
      const view = await call<{ status: string; error?: { code: string; message: string } | null; resultDigest?: string }>(`${urls['mpc-coordinator']}/computations/${requested.id}`, { token: await as(vsp, 'mpc-coordinator') });
      if (view.status === 'failed') throw new FinalError(`the computation failed: ${view.error?.code} ${view.error?.message}`);
      return view.status === 'completed' ? view : undefined;
    }, timeout, 2000);
    const { result, resultDigest } = await call<{ result: unknown; resultDigest: string }>(`${urls['mpc-coordinator']}/computations/${requested.id}/result`, { token: await as(vsp, 'mpc-coordinator') });
    // The catalogue's mean: {n, mean}.
    const mean = (result as { mean?: unknown } | null)?.mean;
    if (typeof mean !== 'number') throw new Error(`the result has no mean: ${JSON.stringify(result)}`);
    progress(`mean ${mean} (in the clear: ${reference}); waiting for ComputationCompleted on the ledger`);
    const recorded = await until('ComputationCompleted on the ledger', async () => (completions.some((c) => c.resultDigest === resultDigest) ? true : undefined), timeout, 1000).catch(() => false);
    progress(`${vsp.mspId} asks for the mean to go to ${dsp.mspId}, which the terms do not allow: refused, and in the DSP's usage trail`);
    const refused = await fetch(`${urls['mpc-coordinator']}/computations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await as(vsp, 'mpc-coordinator')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ daoId, version: 1, computation: 'mean', parameters: { columns: ['pm25'] }, dataset: { name: 'readings' }, recipients: [dsp.mspId] }),
    });
    if (refused.status !== 403) throw new Error(`a request the terms do not allow was answered ${refused.status}, not 403`);
    const trail = await until("both requests in the DSP's usage trail", async () => (usage.some((u) => u.usageId === requested.id) && usage.some((u) => u.outcome === 'refused') ? usage : undefined), timeout, 1000);
    return {
      daoId,
      computation: requested.id,
      status: done.status,
      nodes: nodes.map((n) => ({ mspId: n.mspId, partyIndex: n.partyIndex, source: n.source })).sort((a, b) => a.partyIndex - b.partyIndex),
      mean,
      reference,
      resultDigest,
      recordedOnLedger: recorded,
      usage: [...trail].sort((a, b) => a.atMs - b.atMs).map(({ usageId: _id, atMs: _at, ...u }) => u),
    };
  } finally {
    await consumer.disconnect();
  }
}
