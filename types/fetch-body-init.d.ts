// The SDK's generated fetch client (packages/sdk/src/gen) names the DOM's global `BodyInit`, which
// @types/node does not declare. Programs that reach the SDK's sources without the DOM library (the
// workspace's, the system tests') take it from here, as the body Node's own fetch accepts; the
// SDK's own program uses lib "dom" instead, as a browser build would.
type BodyInit = NonNullable<ConstructorParameters<typeof Response>[0]>;
