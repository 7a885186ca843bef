'use strict';
// ./dev's entry point. It runs the CLI compiled into dist/ (tools/cli/src/build/build.ts) when that tree
// is current, and otherwise first brings it up to date: plain node loads the compiled CLI in about half
// the CPU time of @swc-node/register loading the TypeScript (which loads the TypeScript compiler and
// transpiles or looks up ~200 files at every start; docs/stack.md). When the build fails (a syntax
// error in some package), the CLI runs from its sources through @swc-node/register as before.
//
// Current means: every input that dist/.build-stamp records (each source, manifest and folder the build
// looked into) has the signature it had when the build started. Stat calls only, ~550 files: a few ms.

const { spawnSync } = require('node:child_process');
const { readFileSync, statSync } = require('node:fs');
const { join } = require('node:path');

const REPO_DIR = join(__dirname, '..', '..');

/** build.ts's `signature`: size, modification and change times; `-` when missing. Keep them alike. */
function signature(path) {
  try {
    const s = statSync(path);
    return `${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
  } catch {
    return '-';
  }
}

/** build.ts's `compiledTreeCurrent`: whether every input the stamp records is as it was then. */
function compiledTreeCurrent(repoDir) {
  let inputs;
  try {
    inputs = JSON.parse(readFileSync(join(repoDir, 'dist', '.build-stamp'), 'utf8')).inputs;
  } catch {
    return false;
  }
  if (!inputs || typeof inputs !== 'object') return false;
  for (const path of Object.keys(inputs)) if (signature(join(repoDir, path)) !== inputs[path]) return false;
  return true;
}

function main() {
  if (!compiledTreeCurrent(REPO_DIR)) {
    // The builder is TypeScript: it runs through swc's loader in a process of its own, so this one
    // loads neither. Its output is not the command's: with DEBUG set, its errors are shown.
    spawnSync(process.execPath, ['-r', '@swc-node/register', join(__dirname, 'src', 'build', 'main.ts')], {
      cwd: REPO_DIR,
      stdio: ['ignore', 'ignore', process.env.DEBUG ? 'inherit' : 'ignore'],
    });
  }
  if (compiledTreeCurrent(REPO_DIR)) {
    require(join(REPO_DIR, 'dist', 'tools', 'cli', 'src', 'main.js'));
  } else {
    require('@swc-node/register');
    require(join(__dirname, 'src', 'main.ts'));
  }
}

if (require.main === module) main();

module.exports = { compiledTreeCurrent, signature };
