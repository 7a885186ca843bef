import { runNodeProcess } from './node.main';

void runNodeProcess(process.env);
