// @billing/resources: each resource as the API shows it, mapped once. Domain views become billing.v1
// messages (bill-service's answers), messages become the REST JSON (the gateway's answers), and the
// two composed are the data of events (the worker). No I/O.
export { enumName, moneyJson, optionalTimeJson, requiredTimestamp, serviceBug } from './proto-json.ts';
export { billMessage, lineItemMessage } from './bill-message.ts';
export { billJson, billSummaryJson, lineItemJson } from './bill-json.ts';
export { collectionMessage, mandateMessage } from './mandate-message.ts';
export { collectionJson, mandateJson } from './mandate-json.ts';
export { billResource, collectionResource, lineItemResource, mandateResource } from './resource-of-view.ts';
export { eventJson, type EventFields } from './event-json.ts';
export { creditNoteDocumentPath, invoiceDocumentPath, type DocumentFormat } from './document-paths.ts';
