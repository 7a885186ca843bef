export { stackConnection, stackEnv, CONNECTION_FILE_ENV } from './connection';
export { testStackContext, REPO_DIR } from './stack-context';
export { errorLines, runDev, runDevJson, type DevRun } from './dev-cli';
export { describeServiceHealth, type ServiceHealthSuite } from './suites/service-health';
export { bootAllServices, type BootedService, type BootedServices, type BootOptions, type ServiceUnderTest } from './suites/all-services';
export { agreementFor, ownershipPpm, signedAgreementFor, type DaoPlan, type AgreementMember, type SignedAgreement } from './scenarios/agreement';
export { runLifecycle, LIFECYCLE_TERMS, type LifecycleMember, type LifecycleOptions, type LifecycleResult, type LifecycleStage } from './scenarios/lifecycle';
export { followCommand, CommandFailedError, type CommandOutcome, type FollowOptions } from './scenarios/commands';
export { httpAdminApi, type AdminApi } from './scenarios/admin-api';
export { acceptancesOf, connectAs, deployTestChaincode, evaluate, eventOf, failure, gatewayErrorText, registerParticipants, submit, testTerms, twoMemberAgreement, twoVersionAgreements, type TestChaincode, type TwoMemberAgreementOptions, type TwoVersionAgreementsOptions } from './chaincode-network';
export { createKeyAndCsr, login, signComputationRequest, signWithIdentity, type ComputationRequestBody, type EnrolledIdentity, type SignedOver } from './identity/client';
export { apiClient, mspFolderIdentity, stackAdminIdentity, type ApiClient, type IdentityKeys } from './identity/api-client';
export { testCertificateAuthority, type TestIssueOptions } from './identity/testing-ca';
export {
  enrolTestIdentity,
  envelopeOf,
  grpcTestClient,
  hex,
  loginAtServer,
  readTopic,
  sleep,
  memberKafka,
  memberTrafficKeyFile,
  stackKafka,
  waitFor,
  type GrpcCall,
  type ReadTopicOptions,
  type TestDirectoryEntry,
  type WaitOptions,
} from './service-harness';
export { freePort } from '@datawell/workload-runtime';
export { ApiError, call, describeTimings, FormationClock, until, type ScenarioTimings } from './scenarios/api';
export { callNodeAsCoordinator, DOMAIN_COMPUTATION_PRICE, readPayouts, registerDomainParticipant, runDomainFormation, type DomainComputation, type DomainDataset, type DomainJob, type DomainFormationOptions, type DomainFormationResult, type DomainMember, type DomainMeshNode } from './scenarios/domains';
export { domainMemberOnStack, lifecycleMemberOnStack } from './scenarios/on-stack';
export { runDomainGovernance, type DomainGovernanceOptions, type DomainGovernanceResult } from './scenarios/domain-governance';
export { bridgeCollectionApprover, bridgeConfigSigner, runTransfer, type TransferRunOptions, type TransferRunResult } from './scenarios/domain-transfer';
export { runSubscription, periodChargesOf, subscriptionTerms, type EntitlementEvent, type MemberEntitlement, type PeriodCharge, type SubscriptionOptions, type SubscriptionResult, type SubscriptionUrls, type SubscriptionVersion } from './scenarios/subscription';
export { placesOf, scanBlocks, scanFiles, scanKafka, scanPostgres, type Hit } from './scan/plaintext';
export { E2E_CONSOLE_DOMAINS, E2E_POOL, E2E_POOL_PREFIX, integrationPool, tierKeepsDomain, tierKeepsOperatorServices, type IntegrationPool } from './jest/pool';
