import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Served by the platform's router at /clinician/ (deploy/local/web-apps.ts); built assets only, no CDN.
export default defineConfig({
  base: '/clinician/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1200 },
});
