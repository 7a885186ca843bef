import { MessageChannel } from 'node:worker_threads';
import { fromBigInts } from '../field/vector';
import { createParty } from '../online/party';
import { dealPreprocessing } from '../preprocessing/trusted-dealer';
import { createPortTransport } from './port';

describe('MessagePort transport', () => {
  it('carries a computation between parties connected by ports', async () => {
    const n = 3;
    const maps = Array.from({ length: n }, () => new Map());
    for (let i = 0; i < n; i++)
      for (let j = i + 1; j < n; j++) {
        const ch = new MessageChannel();
        maps[i]!.set(j, ch.port1);
        maps[j]!.set(i, ch.port2);
      }
    const { stores } = dealPreprocessing({ parties: n, triples: 2, masks: 4 });
    const parties = stores.map((s, i) => createParty(createPortTransport(i, n, maps[i]!), s));
    const outs = await Promise.all(
      parties.map(async (p) => {
        const x = await p.input(1, p.id === 1 ? fromBigInts([9n, 10n]) : 2);
        return p.open(await p.mul(x, x));
      }),
    );
    await Promise.all(parties.map((p) => p.close()));
    expect(Array.from(outs[2]!)).toEqual([81n, 100n]);
  });
});
