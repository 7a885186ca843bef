import { readFile } from 'node:fs/promises';
import { runDemoNode, type DemoNodeResult } from '@datawell/mpc';
import { listenTlsNode } from './tls.adapter';
import type { MpcNodeConfig } from './node.config';

/**
 * One DAO member's MPC node: mutual TLS to every other node, its own MASCOT preprocessing (its
 * shares, MAC-key share and triples never leave this process), then the job. Results exist only at
 * the job's recipient.
 */
export async function runMpcNode(config: MpcNodeConfig): Promise<DemoNodeResult> {
  const [key, cert, ca] = await Promise.all([
    readFile(config.tls.keyFile, 'utf8'),
    readFile(config.tls.certFile, 'utf8'),
    readFile(config.tls.caFile, 'utf8'),
  ]);
  const node = await listenTlsNode({
    self: config.index,
    parties: config.names.length,
    identity: { key, cert, ca },
    peerNames: config.names,
    host: config.listenHost,
    port: config.endpoints[config.index]!.port,
  });
  const transport = await node.connect(config.endpoints);
  try {
    return await runDemoNode(transport, config.job);
  } finally {
    await transport.close();
  }
}
