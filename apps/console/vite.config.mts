import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The console is static files; the services are reached through the serving process's proxy under
// /api/<service> (server/serve.ts), so the page and the APIs share one origin and need no CORS.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  // The pure parts of @datawell/domain the page reuses (economics, canonical JSON, the texts a proposal's
  // author and a computation's requester sign): its index also exports node-only code (certificate checks), so the page imports
  // these modules by name.
  resolve: {
    alias: {
      '@datawell/domain/economics': fileURLToPath(new URL('../../libs/domain/src/economics/index.ts', import.meta.url)),
      '@datawell/domain/canonical-json': fileURLToPath(new URL('../../libs/domain/src/canonical-json.ts', import.meta.url)),
      '@datawell/domain/proposal-signing': fileURLToPath(new URL('../../libs/domain/src/agreement/proposal-signing.ts', import.meta.url)),
      '@datawell/domain/computation-request-signing': fileURLToPath(new URL('../../libs/domain/src/mpc/computation-request-signing.ts', import.meta.url)),
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 800,
  },
});
