import { Context, Contract, Info, Transaction } from 'fabric-contract-api';

/**
 * The reference for ledger benchmarks: a transaction that writes one key and does nothing else
 * (no validation, no reads, no event), so its throughput is what the network itself allows.
 */
@Info({ title: 'PutStateContract', description: 'Benchmark baseline: one putState per transaction' })
export class PutStateContract extends Contract {
  constructor() {
    super('putstate');
  }

  @Transaction()
  async Put(ctx: Context, key: string, value: string): Promise<void> {
    await ctx.stub.putState(key, Buffer.from(value, 'utf8'));
  }
}
