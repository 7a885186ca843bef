export { stackConnection, stackEnv, CONNECTION_FILE_ENV } from './connection';
export { testStackContext, REPO_DIR } from './stack-context';
export { describeServiceHealth, type ServiceHealthSuite } from './suites/service-health';
