import { readFileSync } from 'node:fs';
import { connectionEnv, type StackConnection } from '@datawell/stack';

/** Set by the jest global setup to the connection.json of the stack it started. */
export const CONNECTION_FILE_ENV = 'DATAWELL_TEST_CONNECTION_FILE';

/**
 * Connection details of the real native stack started for this test run (like a testcontainers
 * container's mapped ports). Throws a clear error when the run has no stack, never returns a fake.
 */
export function stackConnection(): StackConnection {
  const file = process.env[CONNECTION_FILE_ENV];
  if (!file) {
    throw new Error(
      `no running stack for this test: ${CONNECTION_FILE_ENV} is not set (integration tests run under the ` +
        `"integration" jest project, whose global setup starts the stack)`,
    );
  }
  return JSON.parse(readFileSync(file, 'utf8')) as StackConnection;
}

/** The environment a Datawell service needs to reach the test stack. */
export function stackEnv(): Record<string, string> {
  return connectionEnv(stackConnection());
}
