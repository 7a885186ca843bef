import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { placesOf, scanBlocks, scanFiles } from './plaintext';

describe('the no-plaintext scan of files and blocks', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'scan-spec-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('finds each needle in every file that holds it, across a chunk border, and says how much it read', () => {
    mkdirSync(join(root, 'a', 'b'), { recursive: true });
    writeFileSync(join(root, 'a', 'b', 'log.txt'), 'x 7391.2468 y');
    // 4 MiB chunks: the needle straddles the first border.
    const big = Buffer.alloc(4 * 1024 * 1024 + 100, 0x20);
    Buffer.from('CONTROL-42').copy(big, 4 * 1024 * 1024 - 4);
    writeFileSync(join(root, 'big.bin'), big);
    writeFileSync(join(root, 'clean'), 'nothing here');
    const { hits, files, bytes } = scanFiles([root], ['7391.2468', 'CONTROL-42']);
    expect(placesOf(hits, '7391.2468')).toEqual([join(root, 'a', 'b', 'log.txt')]);
    expect(placesOf(hits, 'CONTROL-42')).toEqual([join(root, 'big.bin')]);
    expect(files).toBe(3);
    expect(bytes).toBe(13 + big.length + 12);
  });

  it('leaves out the folders it is told to skip, and does not follow symbolic links', () => {
    mkdirSync(join(root, 'dsp'));
    writeFileSync(join(root, 'dsp', 'readings.csv'), 'pm25\n7391.2468\n');
    mkdirSync(join(root, 'dspx'));
    writeFileSync(join(root, 'dspx', 'copy.csv'), '7391.2468');
    symlinkSync(join(root, 'dsp', 'readings.csv'), join(root, 'link.csv'));
    expect(placesOf(scanFiles([root], ['7391.2468'], [join(root, 'dsp')]).hits, '7391.2468')).toEqual([join(root, 'dspx', 'copy.csv')]);
    expect(placesOf(scanFiles([root], ['7391.2468']).hits, '7391.2468').sort()).toEqual([join(root, 'dsp', 'readings.csv'), join(root, 'dspx', 'copy.csv')]);
  });

  it('names the blocks that hold a needle', () => {
    expect(scanBlocks('dao-d1-v1', [Buffer.from('genesis'), Buffer.from('a 7391.2468 b')], ['7391.2468', 'absent'])).toEqual([{ needle: '7391.2468', place: 'dao-d1-v1#1' }]);
  });
});
