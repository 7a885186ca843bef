import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** The compiled tree's folder: @datawell/stack's DIST, here without loading that library. */
export const DIST = 'dist';

const up = resolve(__dirname, '..', '..', '..');

/**
 * The repository root. The CLI lives in tools/cli/src, and `./dev` runs it from the compiled tree
 * (dist/tools/cli/src) while that is current (tools/cli/launch.js). The compiled tree is told by its
 * stamp, as in @datawell/stack's repoRootOf; this module imports no library, so a command that needs
 * only the path (bench, mpc), and the builder, load nothing more for it.
 */
export const REPO_DIR = basename(up) === DIST && existsSync(join(up, '.build-stamp')) ? dirname(up) : up;
