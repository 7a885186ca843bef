import { AdminError } from './admin.errors';

/** The AdminError `promise` rejects with (the test fails when it resolves or rejects with anything else). */
export async function adminRefusal(promise: Promise<unknown>): Promise<AdminError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AdminError);
  return error as AdminError;
}
