export type { StackConnection, FabricConnection, FabricEndpoint, FabricOrgConnection } from './connection';
export { connectionEnv } from './connection';
export { StackError } from './errors';
export { mapAtMost } from './at-most';
export { loadSettings, portSettingsEnv, servicePorts, serviceUrl, type StackSettings } from './settings';
export { stderrProgress, silentProgress, type Progress } from './progress';
export type { StackContext, ComponentHealth } from './components/component';
export { install, up, down, status, reset, readLog, logFiles, envExports, buildConnection, connectionFile, tofuBinary, COMPONENTS, type StackStatus } from './stack';
export { addOrganisation, enrollClientIdentity, orgAdminIdentity, MARKETPLACE_CHANNEL, PROBE_CHAINCODE, type EnrolledIdentity } from './fabric/network';
export { CaRejectedError, enrollFromCsr, orgCaCertificate, RESERVED_ENROLLMENT_ID, type CsrEnrollment } from './fabric/csr-enrollment';
export { addOrgToChannel, createChannel, channelMembers, peerChannels } from './fabric/channel';
export { deployChaincode, queryChaincode, sourceVersion, type ChaincodeSpec } from './fabric/chaincode';
export { peerAdminEnv, peerCli, osnadmin, ordererFlags } from './fabric/admin';
export { binaryFor, fabricBin } from './fabric/tools';
export {
  ADMIN_PRINCIPAL,
  OPERATOR_PRINCIPAL,
  clientProperties,
  connectionCredentials,
  connectionKafka,
  createKafkaPrincipal,
  ensureFleetPrincipal,
  ensureKafkaPrincipal,
  ensureMemberPrincipal,
  fleetAcls,
  fleetPrincipal,
  grantKafkaAcls,
  kafkaBrokers,
  kafkaHome,
  kafkaSaslEnabled,
  memberAcls,
  memberPrincipal,
  operatorAcls,
  principalFile,
  readingsTopic,
  readKafkaPrincipal,
  runKafkaTool,
  type PrincipalOptions,
} from './components/kafka-principals';
export { VERSIONS } from './versions';
export { compiledChaincodeModule, DIST, repoRootOf } from './compiled-tree';
export { osUser } from './os-user';
export { giveOperatorFiles, operatorOwnedPaths, operatorSharedDirs, operatorToolsCache } from './domains/operator-files';
export { blockOrganisations, channelOrganisationRoots, readBlockOrganisations, type ChannelOrganisation } from './fabric/genesis';
export {
  channelConfigView,
  channelEndorsers,
  ChannelRejectedError,
  checkGovernedBy,
  checkMembersGovernance,
  checkOrdering,
  checkOwnPlace,
  checkSeatedChannel,
  configBlockEndorsers,
  joinedChannel,
  joiningChannel,
  latestChannelConfig,
  mspRootCertPems,
  ownCaCertPems,
  ownPlaceExpectations,
  pinnedOrdererTlsCa,
  type ChannelConfigView,
  type ConfigOrganisation,
  type JoiningChannel,
  type OwnPlaceExpectations,
} from './fabric/channel-check';
export { configBlockNetwork, type ChannelConfigNetwork } from './fabric/config-block';
export { run, startDaemon, stopDaemon, readPid, isAlive, waitFor, type RunResult, type DaemonSpec } from './proc';
export { stopWorkloadsUnder } from './workloads';
export { aptInstall } from './install/debian';
export { installSchemathesis, schemathesisBinary, schemathesisInstalled } from './install/schemathesis';
export { addDomain, parkDomain, parkHeldDomains, isParked, listDomains, findDomain, memberKafkaCredentials, domainsStatus, domainPostgres, domainRedis, materialiseDomain, processUser, type AddedDomain, type DomainStatus, type DomainProcess } from './domains/domains';
export { heldBy, holdAhead, loadHolds, releaseHolds, type DomainHolds } from './domains/holds';
export { memberServiceGrpcAddress, memberServiceLaunch, type MemberServiceLaunch } from './domains/member-services';
export { domainPaths, memberBridgeGrpcPort, memberConsoleFiles, memberConsolePort, memberServicePorts, memberServiceFiles, memberServiceUrl, MEMBER_SERVICES, type MemberServiceName, osUserFor, validateMember, domainPorts, operatorDomain, newMemberDomain, portClash, OPERATOR_DOMAIN, MEMBER_ROLES, type DomainRecord, type DomainRole, type DomainPaths } from './domains/domain';
export { domainTrafficKeys, ensureDomainTrafficKey, retireDomainTrafficKey, rotateDomainTrafficKey, type DomainTrafficKeys } from './domains/traffic-key';
export { datasetReadingsTopic, ensureDomainFleet, FLEET_NAME_PATTERN, READINGS_LABEL_PATTERN, type DomainFleet } from './domains/fleet';
export { readMspPackage, verifyMspPackage, MSP_PACKAGE_FILE, type MspPackage } from './domains/msp-package';
export {
  approveChaincode,
  approvedPackageId,
  approvals,
  blueprintFile,
  anchorPeersOf,
  channelConfig,
  channelOrganisations,
  commitChaincode,
  committedDefinition,
  decodeConfigUpdateEnvelope,
  formChannel,
  joinOwnPeer,
  memberFabric,
  ownChaincodeServerOf,
  ownPeerChannels,
  fetchChannelBlocks,
  ownPeerHeight,
  packageDefinition,
  proposeOrgAddition,
  proposeConfigChange,
  proposeOrgRemoval,
  publishChaincodePackage,
  publishOrdererAccess,
  readBlueprint,
  recordChannelMember,
  signConfigUpdate,
  submitConfigUpdate,
  waitForChannelPeers,
  type ChaincodeDefinition,
  type ChannelBlueprint,
  type CommittedDefinition,
  type MemberFabric,
  type OrdererAccess,
} from './fabric/parties';
export { admitOrganisation, channelConfigNetwork, committedChaincodeDefinition, operatorFabric, ordererChannels, ordererNodes, type ChaincodeSource, type OrdererChannel, type OrdererNode } from './fabric/parties';
export { channelAdmin, daoChannelsOf, seatOnChannel, unseatFromChannel, type CollectionAnswer, type CollectionRequest, type ConfigSignatureRequest, type DomainCollectionApprover, type DomainConfigSigner, type SeatSignatures } from './fabric/seats';
export { ensureChaincodePackage } from './fabric/chaincode';
export { ensureOwnChaincode, ownChaincodeProcesses, ownChaincodeRecord, startOwnChaincodeServer, stopOwnChaincodeServer, stopOwnChaincodeServers, OWN_CHAINCODE_PORTS, type OwnChaincodeRecord, type OwnChaincodeServer } from './fabric/own-chaincode';
export { createTopicsLed } from './components/kafka';
export { instanceUrl as postgresInstanceUrl } from './components/postgres';
export { committedCollectionMembers, isPrivateChaincodeModule, isPrivateChaincodeName, membersCollections, type CollectionConfig } from './fabric/collections';
