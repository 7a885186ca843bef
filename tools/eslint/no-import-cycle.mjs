// ESLint rule `datawell/no-import-cycle`: no file may reach itself through imports, type-only imports
// included (eslint-plugin-import's no-cycle skips those, yet a type cycle is still two modules that
// are one idea split wrongly, as libs/config's nine-file cycle was). Imports are resolved the way tsc
// resolves them (tsconfig paths, so @datawell/* lead to the libraries' sources); packages in
// node_modules are leaves. The import graph is built once per ESLint process and shared by every file.
import { readFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import ts from 'typescript';

const ROOT = dirname(dirname(dirname(new URL(import.meta.url).pathname)));

let options;
let cache;
function compilerOptions() {
  if (!options) {
    const file = `${ROOT}/tsconfig.json`;
    const parsed = ts.parseJsonConfigFileContent(ts.readConfigFile(file, ts.sys.readFile).config, ts.sys, ROOT, undefined, file);
    options = parsed.options;
    cache = ts.createModuleResolutionCache(ROOT, (f) => f, options);
  }
  return options;
}

/** The project's own TypeScript files a file imports, with the specifier's position. */
const edges = new Map();
function importsOf(file) {
  let list = edges.get(file);
  if (list) return list;
  list = [];
  const text = readFileSync(file, 'utf8');
  for (const ref of ts.preProcessFile(text, true, false).importedFiles) {
    const resolved = ts.resolveModuleName(ref.fileName, file, compilerOptions(), ts.sys, cache).resolvedModule;
    if (!resolved || resolved.isExternalLibraryImport || resolved.extension !== ts.Extension.Ts) continue;
    list.push({ target: resolved.resolvedFileName, pos: ref.pos, end: ref.end });
  }
  edges.set(file, list);
  return list;
}

/** Tarjan's strongly connected components, kept across files: a file's component, once known, is final. */
const component = new Map();
let counter = 0;
const index = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
function visit(root) {
  // Iterative, so deep import chains cannot overflow the stack.
  const frames = [{ file: root, next: 0 }];
  index.set(root, counter);
  low.set(root, counter++);
  stack.push(root);
  onStack.add(root);
  while (frames.length > 0) {
    const frame = frames[frames.length - 1];
    const out = importsOf(frame.file);
    if (frame.next < out.length) {
      const target = out[frame.next++].target;
      if (!index.has(target)) {
        index.set(target, counter);
        low.set(target, counter++);
        stack.push(target);
        onStack.add(target);
        frames.push({ file: target, next: 0 });
      } else if (onStack.has(target)) {
        low.set(frame.file, Math.min(low.get(frame.file), index.get(target)));
      }
      continue;
    }
    frames.pop();
    if (frames.length > 0) {
      const parent = frames[frames.length - 1].file;
      low.set(parent, Math.min(low.get(parent), low.get(frame.file)));
    }
    if (low.get(frame.file) === index.get(frame.file)) {
      const members = new Set();
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        members.add(member);
      } while (member !== frame.file);
      for (const m of members) component.set(m, members);
    }
  }
}

/** The shortest way back from `target` to `file` inside their component. */
function pathBack(target, file, members) {
  const previous = new Map([[target, undefined]]);
  const queue = [target];
  while (queue.length > 0) {
    const current = queue.shift();
    if (current === file) break;
    for (const { target: next } of importsOf(current)) {
      if (members.has(next) && !previous.has(next)) {
        previous.set(next, current);
        queue.push(next);
      }
    }
  }
  const path = [];
  for (let at = file; at !== undefined; at = previous.get(at)) path.unshift(at);
  return path;
}

export const noImportCycle = {
  meta: {
    type: 'problem',
    docs: { description: 'forbid import cycles, type-only imports included' },
    messages: { cycle: 'import cycle: {{path}}' },
    schema: [],
  },
  create(context) {
    const file = context.filename;
    if (!file.endsWith('.ts') || file.endsWith('.d.ts')) return {};
    return {
      Program() {
        if (!component.has(file)) visit(file);
        const members = component.get(file);
        for (const edge of importsOf(file)) {
          if (!members.has(edge.target)) continue;
          const cycle = [file, ...pathBack(edge.target, file, members)].map((f) => relative(ROOT, f));
          context.report({
            loc: { start: context.sourceCode.getLocFromIndex(edge.pos), end: context.sourceCode.getLocFromIndex(edge.end) },
            messageId: 'cycle',
            data: { path: cycle.join(' → ') },
          });
        }
      },
    };
  },
};

export default { rules: { 'no-import-cycle': noImportCycle } };
