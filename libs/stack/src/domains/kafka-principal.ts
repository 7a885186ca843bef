import { chownSync } from 'node:fs';
import { dirname } from 'node:path';
import type { StackContext } from '../components/component';
import { ensureMemberPrincipal, kafkaSaslEnabled } from '../components/kafka-principals';
import { osUser } from '../os-user';
import type { DomainRecord } from './domain';

export interface KafkaPrincipalRequest {
  readonly domain: DomainRecord;
  /** Where the domain's credentials belong: inside its folder, readable only by its OS user. */
  readonly credentialsFile: string;
}

export type KafkaPrincipalState = 'created' | 'pending';

/**
 * A member domain's Kafka principal (SCRAM user and ACLs), made by the Kafka tooling
 * (components/kafka-principals.ts) with its credentials written to the domain's own folder and
 * given to the domain's user. A broker without SASL (a stack formatted before it) has no
 * principals: the domain then records its principal's name and reports the credentials pending.
 */
export async function createDomainKafkaPrincipal(ctx: StackContext, request: KafkaPrincipalRequest): Promise<KafkaPrincipalState> {
  if (!kafkaSaslEnabled(ctx)) return 'pending';
  await ensureMemberPrincipal(ctx, request.domain.mspId, { file: request.credentialsFile });
  const { uid, gid } = osUser(request.domain.osUser);
  chownSync(dirname(request.credentialsFile), uid, gid);
  chownSync(request.credentialsFile, uid, gid);
  return 'created';
}
