import { z } from 'zod';
import { ProtocolViolationError, type Transport } from '@datawell/mpc';

/*
 * The agreement round before an op touches the mesh. Nodes decide on their own whether they take part
 * (a node with MPC_NODE_LEDGER_URL asks its member's ledger); when they disagree, the nodes that take
 * part would send on the mesh and wait for one that never reads nor answers, and the channels would
 * be out of step for good. So every node first sends every other node its decision on the op, over
 * the same authenticated channels the engine uses, and reads every other node's: the op runs only if
 * all take part. Either way each channel carries exactly one decision per op in each direction, so
 * the mesh stays in step. Ops are serialised (op-queue.ts) and channels are FIFO: the decision read is
 * the peer's on the op at the same place in the queue; it names its op id so that a decision on
 * another op is never taken for this one's.
 */

/** A party's decision on an op: it takes part, or it refuses with its answer's code (and check), never a value. */
export type PartyDecision = { readonly takesPart: true } | { readonly takesPart: false; readonly code: string; readonly check?: string };

/** The longest decision message; a longer frame is not a decision. */
const MAX_MESSAGE = 512;

/**
 * The message, UTF-8 JSON: `{"agreement":1,"opId":…,"takesPart":true}` or
 * `{"agreement":1,"opId":…,"takesPart":false,"code":"NOT_ALLOWED","check":"computation-allowed"}`.
 */
const CODE = /^[A-Z][A-Z0-9_]{0,63}$/;
const CHECK = /^[a-z][a-z0-9-]{0,63}$/;
const messageSchema = z.union([
  z.strictObject({ agreement: z.literal(1), opId: z.string().min(1).max(128), takesPart: z.literal(true) }),
  z.strictObject({ agreement: z.literal(1), opId: z.string().min(1).max(128), takesPart: z.literal(false), code: z.string().regex(CODE), check: z.string().regex(CHECK).optional() }),
]);

/** This node's refusal as it is told: its answer's code (INTERNAL when it has none in the stable form) and check. */
export function refusalDecision(code: string | undefined, check: string | undefined): PartyDecision {
  return { takesPart: false, code: code !== undefined && CODE.test(code) ? code : 'INTERNAL', ...(check !== undefined && CHECK.test(check) ? { check } : {}) };
}

export function encodeDecision(opId: string, decision: PartyDecision): Uint8Array {
  const message = decision.takesPart
    ? { agreement: 1, opId, takesPart: true }
    : { agreement: 1, opId, takesPart: false, code: decision.code, ...(decision.check !== undefined ? { check: decision.check } : {}) };
  return new TextEncoder().encode(JSON.stringify(message));
}

/** A peer's decision message, or a ProtocolViolationError naming the party (what it sent is never echoed). */
export function decodeDecision(data: Uint8Array, from: number): { readonly opId: string; readonly decision: PartyDecision } {
  let parsed: z.output<typeof messageSchema> | undefined;
  if (data.length <= MAX_MESSAGE) {
    try {
      const result = messageSchema.safeParse(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data)));
      if (result.success) parsed = result.data;
    } catch {
      // Not UTF-8 JSON: not a decision.
    }
  }
  if (!parsed) throw new ProtocolViolationError(`party ${from} sent something other than its decision on the op (${data.length} bytes)`, from);
  const { opId, ...rest } = parsed;
  return { opId, decision: rest.takesPart ? { takesPart: true } : { takesPart: false, code: rest.code, ...(rest.check !== undefined ? { check: rest.check } : {}) } };
}

/** A party's decision did not come in time: the mesh cannot be trusted to be in step any more. */
export class AgreementTimeoutError extends Error {
  override readonly name = 'AgreementTimeoutError';
  readonly code = 'AGREEMENT_TIMEOUT' as const;
  constructor(
    message: string,
    readonly parties: readonly number[],
  ) {
    super(message);
  }
}

/**
 * Sends `own` on `opId` to every other party and reads every other party's decision on it: every
 * party's decision by party index, this node's included. Throws ProtocolViolationError when a party
 * sent something other than a decision or a decision on another op (the nodes are not running the same
 * op), AgreementTimeoutError when a decision did not come within `timeoutMs`, and whatever the
 * transport throws (a closed channel): after any of these the mesh is broken.
 */
export async function agreeOnOp(transport: Transport, opId: string, own: PartyDecision, timeoutMs: number): Promise<PartyDecision[]> {
  transport.broadcast(encodeDecision(opId, own));
  const decisions: Array<PartyDecision | undefined> = Array.from({ length: transport.parties }, (_, j) => (j === transport.self ? own : undefined));
  const reads = decisions.flatMap((_, j) =>
    j === transport.self
      ? []
      : [
          transport.receive(j).then((data) => {
            const theirs = decodeDecision(data, j);
            if (theirs.opId !== opId) throw new ProtocolViolationError(`party ${j} sent its decision on op ${theirs.opId} while this node decided on op ${opId}`, j);
            decisions[j] = theirs.decision;
          }),
        ],
  );
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const missing = decisions.flatMap((d, j) => (d === undefined ? [j] : []));
      reject(new AgreementTimeoutError(`no decision on op ${opId} from part${missing.length === 1 ? 'y' : 'ies'} ${missing.join(', ')} within ${timeoutMs} ms`, missing));
    }, timeoutMs);
  });
  try {
    await Promise.race([Promise.all(reads), late]);
  } finally {
    clearTimeout(timer);
  }
  return decisions as PartyDecision[];
}
