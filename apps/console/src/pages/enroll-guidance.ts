/**
 * What the registration page tells an organisation, kept apart from the page so that it is tested as
 * text: the commands that make its trust domain, where its own identities are, what a registration's
 * state means, and what to do after the services' refusals.
 */

/** The marketplace's MSP id rule (libs/domain MSP_ID_PATTERN): letters and digits ending in "MSP". */
const MSP_ID = /^[A-Za-z][A-Za-z0-9]{0,40}MSP$/;

export type Role = 'DSP' | 'VSP';

/** The MSP id as typed, trimmed, or a placeholder while it is not one yet (a command is never shown with junk in it). */
export function mspIdOrPlaceholder(mspId: string): string {
  const m = mspId.trim();
  return MSP_ID.test(m) ? m : '<MSPID>';
}

/** The commands an organisation runs on its own machine: its domain made, its services started, its console served. */
export function domainCommands(mspId: string, role: Role): { add: string; start: string; console: string } {
  const m = mspIdOrPlaceholder(mspId);
  return { add: `./dev domain add ${m} --role ${role}`, start: `./dev domain start ${m}`, console: `./dev domain console ${m}` };
}

/**
 * The domain's own folders (docs/stack.md, trust domains): its private folder (mode 0700, its OS user's)
 * with its administrator's MSP, which its own CA enrolled there, and its public MSP package.
 */
export function domainFiles(mspId: string): { folder: string; certificate: string; key: string; publicPackage: string } {
  const m = mspIdOrPlaceholder(mspId);
  const admin = `.stack/domains/${m}/fabric/users/admin/msp`;
  return { folder: `.stack/domains/${m}`, certificate: `${admin}/signcerts/cert.pem`, key: `${admin}/keystore/*_sk`, publicPackage: `.stack/domains/public/${m}` };
}

/** GET /participants/:mspId, the fields the page reads. */
export interface RegistrationView {
  status: 'pending' | 'active' | 'failed' | 'rejected';
  admission?: 'awaiting' | 'admitted';
  failure?: { code: string; message: string };
  rejection?: { reason: string };
}

export interface RegistrationState {
  /** `waiting`: the page polls on; `done`: on the ledger; `failed`: it may register again. */
  phase: 'waiting' | 'done' | 'failed';
  text: string;
}

/** What a registration's state says to its organisation. */
export function registrationState(mspId: string, view: RegistrationView | undefined): RegistrationState {
  if (!view) return { phase: 'waiting', text: `Registered ${mspId}: waiting for the marketplace…` };
  switch (view.status) {
    case 'active':
      return { phase: 'done', text: `${mspId} is registered on the ledger (active): the operator admitted it from its public MSP package. Start its services and sign in with an identity of its own CA (below).` };
    case 'failed': {
      const why = view.failure ? `: ${view.failure.code} ${view.failure.message}` : '';
      return { phase: 'failed', text: `The registration of ${mspId} failed${why}.` };
    }
    case 'rejected':
      return { phase: 'failed', text: `An operator administrator rejected the registration of ${mspId}${view.rejection ? `: ${view.rejection.reason}` : ''}. You may register again.` };
    default:
      return view.admission === 'awaiting'
        ? { phase: 'waiting', text: `Registered ${mspId}: waiting for an operator administrator to admit it (this marketplace admits by hand).` }
        : { phase: 'waiting', text: `Registered ${mspId}: the operator is admitting it to the marketplace channel from its public MSP package…` };
  }
}

/** What to do after a refusal with `code` (a service's stable code), or nothing to add to its message. */
export function hintFor(code: string | undefined, mspId: string, role: Role): string | undefined {
  const { add } = domainCommands(mspId, role);
  switch (code) {
    case 'NO_MSP_PACKAGE':
      return `The operator found no public MSP package of ${mspIdOrPlaceholder(mspId)}: create its domain first (${add}), then register again.`;
    case 'PARTICIPANT_EXISTS':
      return `${mspIdOrPlaceholder(mspId)} is registered already: sign in with an identity of its own CA.`;
    case 'ROLE_MISMATCH':
      return `The role given differs from the one its domain was made with: register with the domain's role.`;
    default:
      return undefined;
  }
}
