// Process entry: `node --conditions=source src/server.ts` in dev, `node dist/server.js` in a
// container. Everything testable lives in app.ts.
import { runApp } from '@billing/runtime';
import { startBillService } from './app.ts';
import { loadEnv } from './env.ts';

runApp({ name: 'bill-service', readEnv: loadEnv, start: startBillService });
