// What another package may use of the gateway without its process: the app, built over any
// transports and never listening by itself (the benchmark and the docs tests drive it with
// Fastify's inject), and its configuration reader. Nothing else imports its src/.
export { buildGateway, type Gateway, type GatewayDeps } from './app.ts';
export { readGatewayEnv, type GatewayEnv } from './env.ts';
