export { startHeartbeats, type HeartbeatLoop, type HeartbeatOptions, type HeartbeatTarget } from './heartbeats';
export { codeRootOf, WORKLOAD_FILES, WORKLOAD_PROGRAMS, workloadConfigVersion, workloadFile, workloadProgramArgs } from './folder';
export { isAlive, readPidFile } from '@datawell/pid-files';
export { stopWorkload } from './stop';
export { freePort } from './ports';
export { startSelfHostedAgent, workloadKey, type SelfHostedAgentOptions, type WorkloadKey } from './self-hosted';
export { MPC_NODE_GLIBC_TUNABLES, mpcNodeProcessEnv } from './malloc';
