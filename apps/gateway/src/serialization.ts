import { SerializerSelector, type SerializerFactory } from '@fastify/fast-json-stringify-compiler';

/**
 * Fastify's own response serializers (fast-json-stringify), compiled on a response schema's first
 * use and once per process for each distinct schema, instead of every route's responses when a
 * gateway starts and again for every `buildGateway`. Compiling them all costs about 0.7 s of CPU
 * (a quarter of a gateway's start-up), which the tests, which start gateways a hundred times and
 * build one per test in the gateway's suite, paid each time; most of those gateways answer a
 * handful of the routes. A route's first answer pays for its own serializer instead.
 *
 * A compiled serializer depends only on its schema, the shared schemas (`addSchema`) and the
 * serializer options, so all three make up the cache key; they are compared by content, because
 * routes build their schema objects afresh for every instance.
 */
type Serializer = ReturnType<ReturnType<SerializerFactory>>;
const compiled = new Map<string, Serializer>();
const selectSerializer = SerializerSelector();

export const cachedSerializerFactory: SerializerFactory = (externalSchemas, options) => {
  let compile: ReturnType<typeof selectSerializer> | undefined;
  let context: string | undefined;
  return (route) => {
    let serializer: Serializer | undefined;
    return (data) => {
      if (serializer === undefined) {
        compile ??= selectSerializer(externalSchemas, options);
        context ??= JSON.stringify({ externalSchemas, options });
        const key = `${context}\n${JSON.stringify(route.schema)}`;
        serializer = compiled.get(key) ?? compile(route);
        compiled.set(key, serializer);
      }
      return serializer(data);
    };
  };
};
