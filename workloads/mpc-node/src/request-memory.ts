import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { z } from 'zod';

/** One taken request as a line of the memory's file. */
const takenLine = z.object({ requestId: z.string().min(1), opId: z.string().min(1), untilMs: z.number().int() });
type Taken = z.infer<typeof takenLine>;

/** The memory's file of the node with mesh file `meshFile`: beside it in the node's folder (`mesh.json` → `mesh.requests-taken.jsonl`). */
export function requestsTakenFile(meshFile: string): string {
  return join(dirname(meshFile), `${basename(meshFile, extname(meshFile))}.requests-taken.jsonl`);
}

/** Expired lines a file may carry before it is rewritten without them. */
const COMPACT_AFTER = 256;

/**
 * The request ids this node took part in (issue 12: a signed request is good for one computation):
 * each kept with its op id until its signature is older than the window, after which the window
 * refuses it anyway.
 *
 * With a `file` (the node in its member's domain: beside its mesh file) every request taken is
 * appended to it as a JSON line and synced to disk before the node takes part, and the file is read
 * back at start: a node restarted within the window still refuses a request id it took part in
 * (the coordinator, or anyone who saw the op, replaying it). A line that does not parse is one the
 * node did not finish writing (it stopped mid-write, before taking part) and is skipped. The file is
 * rewritten without the expired lines (a new file renamed over it) once they are many. Without a
 * file the memory is the process's only (a node with no ledger gate).
 */
export class RequestMemory {
  readonly #taken = new Map<string, { opId: string; untilMs: number }>();
  #expiredLines = 0;

  constructor(
    private readonly file?: string,
    now: () => number = Date.now,
  ) {
    if (file === undefined || !existsSync(file)) return;
    const nowMs = now();
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      let parsed: Taken;
      try {
        parsed = takenLine.parse(JSON.parse(line));
      } catch {
        continue;
      }
      if (parsed.untilMs < nowMs) this.#expiredLines += 1;
      else this.#taken.set(parsed.requestId, { opId: parsed.opId, untilMs: parsed.untilMs });
    }
  }

  /** The op that took part under `requestId` before, other than `opId`, or undefined. */
  takenByOther(requestId: string, opId: string, nowMs: number): string | undefined {
    this.#forget(nowMs);
    const taken = this.#taken.get(requestId);
    return taken && taken.opId !== opId ? taken.opId : undefined;
  }

  /** Takes `requestId` for `opId` until `untilMs`: on disk (synced) before it returns, with a file. */
  take(requestId: string, opId: string, untilMs: number): void {
    if (this.file !== undefined) {
      if (this.#expiredLines >= COMPACT_AFTER) this.#compact();
      append(this.file, `${JSON.stringify({ requestId, opId, untilMs })}\n`);
    }
    this.#taken.set(requestId, { opId, untilMs });
  }

  #forget(nowMs: number): void {
    for (const [id, t] of this.#taken) {
      if (t.untilMs >= nowMs) continue;
      this.#taken.delete(id);
      this.#expiredLines += 1;
    }
  }

  /** The file rewritten with the live entries only: a new file, synced, renamed over the old one. */
  #compact(): void {
    const file = this.file!;
    const next = `${file}.next`;
    const fd = openSync(next, 'w', 0o600);
    try {
      writeSync(fd, [...this.#taken].map(([requestId, t]) => `${JSON.stringify({ requestId, opId: t.opId, untilMs: t.untilMs })}\n`).join(''));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(next, file);
    this.#expiredLines = 0;
  }
}

function append(file: string, text: string): void {
  const fd = openSync(file, 'a', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
