import type { StackContext } from '@datawell/stack';
import { tierKeepsOperatorServices } from '@datawell/testing';
import { stopServices } from '../../src/services/runner';

/**
 * A file's end: the operator's services stop, unless the e2e tier runs them for its files (its
 * global setup; the tier's teardown stops them once). Starting them took 17-39 s of each file and
 * stopping them 8-13 s, about ten minutes of the tier. Run alone by hand, a file still stops them.
 */
export async function stopOperatorServicesAfterFile(ctx: StackContext): Promise<void> {
  if (!tierKeepsOperatorServices()) await stopServices(ctx);
}
