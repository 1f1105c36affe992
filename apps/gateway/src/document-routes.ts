// The routes that serve a stored document in its three forms (an invoice, a credit note): one path
// that answers by Accept and one per form (`<path>.pdf`, `.html`, `.xml`), the stored SHA-256 as
// ETag, 304 to an If-None-Match naming it (docs/invoices.md). Each document kind gives its path,
// words and how to read the bytes from its service; the HTTP behaviour is this file's alone.
import { InvoiceDocumentFormat } from '@billing/contracts';
import type { DocumentFormat } from '@billing/resources';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import Negotiator from 'negotiator';
import { Type, type Static, type TSchema } from 'typebox';
import { errorResponses } from './schemas/error-responses.ts';

type App = Parameters<FastifyPluginAsyncTypebox>[0];

/** The format enum of the RPCs that read a document (invoices' and credit notes' share it). */
export const FORMAT_VALUES: Readonly<Record<DocumentFormat, InvoiceDocumentFormat>> = {
  pdf: InvoiceDocumentFormat.PDF, html: InvoiceDocumentFormat.HTML, xml: InvoiceDocumentFormat.XML,
};
const MEDIA_TYPES: Readonly<Record<string, DocumentFormat>> = { 'application/pdf': 'pdf', 'text/html': 'html', 'application/xml': 'xml' };
const BINARY = { type: 'string', format: 'binary' } as const;
const DOCUMENT_HEADERS = {
  etag: Type.String({ description: 'The SHA-256 of the bytes, lower-case hex, quoted: send it as If-None-Match to revalidate' }),
  'cache-control': Type.String({ description: '`private, no-cache`: revalidate with If-None-Match before reusing a copy' }),
};
const DocumentHeaders = Type.Object({
  'if-none-match': Type.Optional(Type.String({
    maxLength: 2_000,
    description: 'ETags of copies the client holds; when one is the document\'s, the answer is 304 with no body',
  })),
});
const NOT_ACCEPTABLE = '`invalid_argument`: Accept names none of application/pdf, text/html and application/xml';

/** Whether If-None-Match names the entity tag `etag` (weak or strong, or `*`). */
function matchesAny(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch.split(',').map((tag) => tag.trim().replace(/^W\//, '')).some((tag) => tag === '*' || tag === etag);
}

/** Fastify's own kind of error for an Accept the route cannot answer, so it is answered like one (406). */
function notAcceptable(accept: string): Error {
  return Object.assign(new Error(`Not Acceptable: ${accept.slice(0, 200)}; this route answers application/pdf, text/html or application/xml`), {
    statusCode: 406, code: 'FST_ERR_NOT_ACCEPTABLE',
  });
}

/** One form of a stored document, as its service answered it. */
export interface ServedDocument {
  content: Uint8Array;
  contentType: string;
  /** Lower-case hex SHA-256 of `content`. */
  sha256: string;
  /** The file name without its extension, e.g. the document's number. */
  name: string;
}

export interface DocumentRoutes<P extends TSchema> {
  /** The negotiated route's path (Fastify's `:param` syntax); the forms are at `<path>.pdf`, `.html` and `.xml`. */
  path: string;
  /** The operationId of the negotiated route and of each form's. */
  operationIds: Readonly<Record<'negotiated' | DocumentFormat, string>>;
  tags: string[];
  params: P;
  summary: (format: DocumentFormat | 'negotiated') => string;
  /** What every route's description ends with: when the documents are made, and that they never change. */
  description: string;
  /** What each form holds, for the response schemas. */
  holds: Readonly<Record<DocumentFormat, string>>;
  /** The error answers (status → description) besides the 406 of the negotiated route. */
  errors: Record<number, string>;
  read: (params: Static<P>, format: DocumentFormat, request: FastifyRequest) => Promise<ServedDocument>;
}

/** Registers the negotiated route and the three per-form routes of one kind of document. */
export function documentRoutes<P extends TSchema>(app: App, routes: DocumentRoutes<P>): void {
  const content = {
    pdf: { 'application/pdf': { schema: { ...BINARY, description: routes.holds.pdf } } },
    html: { 'text/html': { schema: { type: 'string', description: routes.holds.html } } },
    xml: { 'application/xml': { schema: { type: 'string', description: routes.holds.xml } } },
  } as const;
  const leaf = routes.path.slice(routes.path.lastIndexOf('/') + 1);
  for (const format of ['negotiated', 'pdf', 'html', 'xml'] as const) {
    const negotiated = format === 'negotiated';
    app.get(negotiated ? routes.path : `${routes.path}.${format}`, {
      schema: {
        operationId: routes.operationIds[format],
        tags: routes.tags,
        summary: routes.summary(format),
        description: (negotiated
          ? 'Answers `application/pdf`, `text/html` or `application/xml` by `Accept` (the PDF when Accept is absent or `*/*`; ' +
            `a 406 when it names none of the three). The same documents are at \`${leaf}.pdf\`, \`${leaf}.html\` and \`${leaf}.xml\`. `
          : '') + routes.description,
        params: routes.params,
        headers: DocumentHeaders,
        response: {
          200: {
            description: 'The document',
            headers: DOCUMENT_HEADERS,
            content: negotiated ? { ...content.pdf, ...content.html, ...content.xml } : content[format],
          },
          304: { description: 'Not modified: the document is the one whose ETag the request named', headers: DOCUMENT_HEADERS },
          ...errorResponses(negotiated ? { ...routes.errors, 406: NOT_ACCEPTABLE } : routes.errors),
        },
      },
    }, async (request, reply) => {
      let chosen: DocumentFormat;
      if (negotiated) {
        const accept = request.headers.accept;
        const type = accept === undefined ? 'application/pdf' : new Negotiator(request.raw).mediaType(Object.keys(MEDIA_TYPES));
        if (type === undefined) throw notAcceptable(accept ?? '');
        chosen = MEDIA_TYPES[type] as DocumentFormat;
        reply.header('vary', 'Accept');
      } else {
        chosen = format;
      }
      const document = await routes.read(request.params as Static<P>, chosen, request);
      const etag = `"${document.sha256}"`;
      reply.header('etag', etag).header('cache-control', 'private, no-cache');
      if (matchesAny(request.headers['if-none-match'], etag)) return reply.code(304).send();
      return reply
        .header('content-type', document.contentType)
        .header('content-disposition', `inline; filename="${document.name}.${chosen}"`)
        .send(Buffer.from(document.content));
    });
  }
}
