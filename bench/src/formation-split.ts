/**
 * The split of a DAO version's formation in trust domains, from the bridges' own log lines (pure: the
 * bench reads the files). Every mark is a moment on the machine's clock (ms since the epoch):
 *  - channelBuilt: the operator's bridge built CH_i from the members' MSP packages and joined its orderers;
 *  - joinedAndApproved: the last member's own bridge joined its peer and approved the `dao` definition;
 *  - committed: the DSP's bridge committed the definition;
 *  - initVersion: the DSP's bridge had InitVersion committed;
 *  - readableByAll: the last member read the version through its own bridge (the bench's own reads).
 */

/** A mark the bridges log, by the message they log it with (services/ledger-bridge). */
const MARKS = {
  'channel of a DAO version built from its agreement': 'channelBuilt',
  'joined and approved on a DAO channel': 'joined',
  'chaincode definitions committed on a DAO channel': 'committed',
  'version initialised by its DSP': 'initVersion',
} as const;

export type BridgeMark = (typeof MARKS)[keyof typeof MARKS];

export interface BridgeLogMark {
  readonly mark: BridgeMark;
  readonly channel: string;
  /** Whose bridge logged it: `operator` or the member's MSP id. */
  readonly by: string;
  readonly at: number;
}

/**
 * The formation marks of `channel` in a bridge's log (JSON lines: `timestamp` and a `message` object
 * with `message` and `channel`); other lines, and lines that are not JSON, are skipped.
 */
export function bridgeLogMarks(text: string, channel: string, by: string): BridgeLogMark[] {
  const out: BridgeLogMark[] = [];
  for (const line of text.split('\n')) {
    // Cheap filter first: a bridge's log holds every channel's lines.
    if (!line.includes(channel)) continue;
    let entry: { timestamp?: unknown; message?: { message?: unknown; channel?: unknown } };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue;
    }
    const text = entry.message?.message;
    const mark = typeof text === 'string' ? (MARKS as Record<string, BridgeMark>)[text] : undefined;
    if (!mark || entry.message?.channel !== channel || typeof entry.timestamp !== 'number') continue;
    out.push({ mark, channel, by, at: entry.timestamp });
  }
  return out;
}

export interface FormationSplit {
  /** Seconds from the clock's start (the last signature on the agreement) to each mark; absent when not logged. */
  readonly channelBuilt?: number;
  readonly joinedAndApproved?: number;
  readonly committed?: number;
  readonly initVersion?: number;
  readonly readableByAll: number;
}

/**
 * The split of one version: `startedAt` the last signature, `members` the version's members (each
 * must have joined for `joinedAndApproved`, and read it for `readableByAll`), `readAt` when each read
 * it through its own bridge. A mark logged twice (a redelivered message) counts at its first time.
 */
export function formationSplit(startedAt: number, members: readonly string[], marks: readonly BridgeLogMark[], readAt: Readonly<Record<string, number>>): FormationSplit {
  const first = (mark: BridgeMark, by?: string) => {
    const times = marks.filter((m) => m.mark === mark && (by === undefined || m.by === by)).map((m) => m.at);
    return times.length === 0 ? undefined : Math.min(...times);
  };
  const seconds = (at: number | undefined) => (at === undefined ? undefined : (at - startedAt) / 1000);
  const unread = members.filter((m) => readAt[m] === undefined);
  if (unread.length > 0) throw new Error(`no read of the version by ${unread.join(', ')}`);
  const joined = members.map((m) => first('joined', m));
  const allJoined = joined.every((t): t is number => t !== undefined) ? Math.max(...joined) : undefined;
  const optional = (key: keyof Omit<FormationSplit, 'readableByAll'>, at: number | undefined) => (at === undefined ? {} : { [key]: seconds(at) as number });
  return {
    ...optional('channelBuilt', first('channelBuilt')),
    ...optional('joinedAndApproved', allJoined),
    ...optional('committed', first('committed')),
    ...optional('initVersion', first('initVersion')),
    readableByAll: (Math.max(...members.map((m) => readAt[m] as number)) - startedAt) / 1000,
  };
}
