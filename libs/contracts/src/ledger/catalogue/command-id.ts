/**
 * The one format of a ledger command id: `<issuer>:<part>[:<part>…]`. The issuer (a lower-case
 * word: the service or flow that sends the command) keeps ids of different senders apart; the
 * parts are what the command is about, so a command derived from the same facts always gets the
 * same id (the bridge submits a command id at most once). A part may itself hold ':' (a ledger
 * event id does); the whole id is at most 200 characters (the ledger command schema).
 */
const ISSUER = /^[a-z][a-z0-9-]*$/;
const MAX_LENGTH = 200;

export function ledgerCommandId(issuer: string, ...parts: readonly (string | number | bigint)[]): string {
  if (!ISSUER.test(issuer)) throw new RangeError(`not a command issuer: "${issuer}"`);
  if (parts.length === 0) throw new RangeError('a command id needs at least one part after its issuer');
  const texts = parts.map(String);
  if (texts.some((p) => p === '')) throw new RangeError(`empty part in a command id of ${issuer}`);
  const id = [issuer, ...texts].join(':');
  if (id.length > MAX_LENGTH) throw new RangeError(`command id longer than ${MAX_LENGTH} characters: ${id.slice(0, 40)}…`);
  return id;
}

/** The issuer of a command id in the common format, or undefined. */
export function commandIssuer(commandId: string): string | undefined {
  const issuer = commandId.split(':', 1)[0] ?? '';
  return commandId.includes(':') && ISSUER.test(issuer) ? issuer : undefined;
}

/** The relay (AllocationReceived on CH_{i−1}) of one allocating source event: the same event always yields the same command. */
export function allocationCommandId(sourceEventId: string): string {
  return ledgerCommandId('allocation', sourceEventId);
}
