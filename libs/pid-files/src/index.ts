export { isAlive, readPidFile } from './process';
export { withFileLock, type FileLockOptions } from './lock';
