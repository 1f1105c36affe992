import { writeFileSync } from 'node:fs';
import { startStack } from '../packages/devstack/src/index.ts';
const stack = await startStack({ apps: ['rates-service', 'bill-service', 'worker'], print: (l) => process.stdout.write(l + '\n') });
writeFileSync('/tmp/st/stack.json', JSON.stringify(stack));
console.log('READY', JSON.stringify(stack));
process.on('SIGTERM', async () => { await stack.stop(); process.exit(0); });
setInterval(() => {}, 1 << 30);
