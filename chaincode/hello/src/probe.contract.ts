import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';

/**
 * The smallest useful contract: answers a query and stores a value, so tests can prove that a
 * peer reaches a chaincode running as a service and that writes are ordered and committed.
 */
@Info({ title: 'ProbeContract', description: 'Proves the chaincode-as-a-service path' })
export class ProbeContract extends Contract {
  constructor() {
    super('probe');
  }

  @Transaction(false)
  @Returns('string')
  async Ping(ctx: Context): Promise<string> {
    return JSON.stringify({ pong: true, mspId: ctx.clientIdentity.getMSPID() });
  }

  @Transaction()
  async Put(ctx: Context, key: string, value: string): Promise<void> {
    if (!/^[\w.-]{1,64}$/.test(key)) throw new Error(`invalid key "${key}"`);
    await ctx.stub.putState(`probe:${key}`, Buffer.from(value, 'utf8'));
    ctx.stub.setEvent('ProbePut', Buffer.from(JSON.stringify({ key, writer: ctx.clientIdentity.getMSPID() })));
  }

  @Transaction(false)
  @Returns('string')
  async Get(ctx: Context, key: string): Promise<string> {
    const value = await ctx.stub.getState(`probe:${key}`);
    if (value.length === 0) throw new Error(`no value for "${key}"`);
    return Buffer.from(value).toString('utf8');
  }
}
