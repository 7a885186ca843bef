/** tools/cli/launch.js: ./dev's entry point (compiled CLI when dist/ is current). */
export function compiledTreeCurrent(repoDir: string): boolean;
export function signature(path: string): string;
