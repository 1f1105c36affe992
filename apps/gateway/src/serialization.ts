import { SerializerSelector, type SerializerFactory } from '@fastify/fast-json-stringify-compiler';

/**
 * Fastify's own response serializers (fast-json-stringify), compiled once per process for each
 * distinct response schema instead of once per gateway instance. Compiling every route's
 * responses costs about 1.4 s of CPU, which every `buildGateway` paid again; a process that
 * builds many gateways (the gateway's tests build one per test) now pays it once.
 *
 * A compiled serializer depends only on its schema, the shared schemas (`addSchema`) and the
 * serializer options, so all three make up the cache key; they are compared by content, because
 * routes build their schema objects afresh for every instance.
 */
const compiled = new Map<string, ReturnType<ReturnType<SerializerFactory>>>();
const selectSerializer = SerializerSelector();

export const cachedSerializerFactory: SerializerFactory = (externalSchemas, options) => {
  const compile = selectSerializer(externalSchemas, options);
  const context = JSON.stringify({ externalSchemas, options });
  return (route) => {
    const key = `${context}\n${JSON.stringify(route.schema)}`;
    let serializer = compiled.get(key);
    if (serializer === undefined) {
      serializer = compile(route);
      compiled.set(key, serializer);
    }
    return serializer;
  };
};
