// Every transaction and event name of the dao and marketplace chaincodes. They live in the ledger
// catalogue (libs/contracts/src/ledger/catalogue); this list only feeds the lint rule that keeps
// them out of string literals elsewhere, and catalogue/lint-names.spec.ts fails when it drifts.
export const LEDGER_NAMES = [
  'AllocationReceived', 'CastVote', 'ChargeSubscription', 'CloseProposal', 'CompleteExit', 'ComputationCompleted', 'CreateProposal', 'DaoPublished',
  'EvaluateAbandonment', 'EvaluateContractEnd', 'ExitRequested', 'FeedbackSubmitted', 'GetAllocation',
  'GetAllocationByTx', 'GetDao', 'GetEntitlement', 'GetEntitlements', 'GetMember', 'GetOffer', 'GetParticipant',
  'GetProposal', 'GetReputation', 'GetVersion', 'GetWorkload', 'InfrastructureFailed', 'InfrastructurePartFailed',
  'InfrastructurePartProvisioned', 'InfrastructureProvisioned',
  'InitVersion', 'ListDaos', 'ListFeedback', 'ListOffers', 'ListParticipants', 'MemberAbandoned', 'MemberExited', 'MeterComputation',
  'OfferPosted', 'OfferUpdated', 'OfferWithdrawn', 'ParticipantRegistered', 'PostOffer', 'ProposalCreated',
  'ProposalDecided', 'PublishDao', 'RecordRevenue', 'RecordSuccessor', 'RecordTelemetry', 'RegisterParticipant',
  'RegisterWorkload', 'RequestExit', 'RevenueRecorded', 'SubmitFeedback', 'TelemetryRecorded', 'UpdateOffer',
  'VersionCreated', 'VersionSuperseded', 'VoteCast', 'WithdrawOffer', 'WorkloadRegistered',
  'AbandonmentReported', 'GetReputationAt', 'ListAbandonments', 'ParticipantReinstated', 'ParticipantSuspended',
  'ReinstateParticipant', 'ReportAbandonment', 'SuspendParticipant',
  'GetUsage', 'RecordUsage', 'UsageRecorded',
  'AcceptTransfer', 'ConsentTransfer', 'GetTransfer', 'MemberTransferred', 'OfferTransfer', 'TransferAccepted', 'TransferConsented', 'TransferOffered',
  'GetTransaction',
];

const names = LEDGER_NAMES.join('|');
const message = 'A dao/marketplace transaction or event name is written once, in the ledger catalogue: use DAO.tx.X / DAO.event.X / MARKETPLACE.tx.X / MARKETPLACE.event.X from @datawell/contracts.';

/** `no-restricted-syntax` entries: a string literal, or a template literal without expressions, that is exactly one of the names. */
export const ledgerNameRestrictions = [
  { selector: `Literal[value=/^(${names})$/]`, message },
  { selector: `TemplateLiteral[expressions.length=0] > TemplateElement[value.raw=/^(${names})$/]`, message },
];
