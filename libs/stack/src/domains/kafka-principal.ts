import type { StackContext } from '../components/component';
import type { DomainRecord } from './domain';

export interface KafkaPrincipalRequest {
  readonly domain: DomainRecord;
  /** Where the domain's credentials belong: inside its folder, readable only by its OS user. */
  readonly credentialsFile: string;
}

export type KafkaPrincipalState = 'created' | 'pending';

/**
 * The hook where a domain's Kafka principal (SCRAM user and ACLs) is created. Kafka's credentials
 * belong to the Kafka tooling (components/kafka*.ts, being written in parallel): until it provides
 * its function, a domain records its principal's name and reports its credentials as pending.
 * Wiring it is one call here, given the request; it must write `credentialsFile` and return 'created'.
 */
export async function createDomainKafkaPrincipal(_ctx: StackContext, _request: KafkaPrincipalRequest): Promise<KafkaPrincipalState> {
  return 'pending';
}
