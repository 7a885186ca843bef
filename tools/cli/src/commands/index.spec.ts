import { Command } from 'commander';
import { buildProgram } from '../cli';
import { COMMAND_GROUPS, registerCommands } from './index';

const names = (program: Command) => program.commands.map((c) => c.name());

describe('command groups, loaded when needed', () => {
  it('registers exactly the names each group lists, every group once, in --help order', async () => {
    for (const group of COMMAND_GROUPS) {
      const program = new Command('dev');
      (await group.load())(program);
      expect(names(program)).toEqual(group.names);
    }
    const all = new Command('dev');
    await registerCommands(all);
    expect(names(all)).toEqual(COMMAND_GROUPS.flatMap((g) => g.names));
  });

  it("loads only the group of the command named, and every group for help or a name that is none of theirs", async () => {
    expect(names(await buildProgram(['economics', 'split', '--total', '1']))).toEqual(['economics']);
    expect(names(await buildProgram(['down']))).toEqual(['up', 'down', 'services']);
    const every = COMMAND_GROUPS.flatMap((g) => g.names);
    expect(names(await buildProgram(['--help']))).toEqual(every);
    expect(names(await buildProgram(['help', 'economics']))).toEqual(every);
    expect(names(await buildProgram(['nosuch']))).toEqual(every);
    expect(names(await buildProgram([]))).toEqual(every);
  });
});
