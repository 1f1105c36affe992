import { defineConfig } from 'vitest/config';
export default defineConfig({ test: { include: ['test/zz-exp.test.ts'] }, resolve: { conditions: ['source'] }, ssr: { resolve: { conditions: ['source'] } } });
