// billing.v1.CustomerService: customers' billing profiles and the stored documents of their bills.
// A caller acting for a customer names it in `customerId`, and the service-access interceptor holds
// it to its own; ListCustomers names none and so is refused to such a caller there.
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, type ServiceImpl } from '@connectrpc/connect';
import {
  GetCustomerResponseSchema, GetInvoiceDocumentResponseSchema, ListCustomersResponseSchema,
  PutCustomerResponseSchema, UpdateCustomerResponseSchema, type CustomerService,
} from '@billing/contracts';
import { decodeCursor, keysetPosition, pageLimit, pageOf } from '@billing/grpc-kit';
import { parseBillingPeriod } from '@billing/bills';
import { CUSTOMER_ID_PATTERN } from '@billing/text';
import type { BillCurrencyPolicy } from '../bill-currencies.ts';
import { customerIdProblems } from '../customer-id.ts';
import { customerMessage } from './customer-view.ts';
import type { CustomersRepository, StoredCustomer } from './customers-repository.ts';
import { FORMAT_NAMES, check, checkProfile, checkProfileChanges } from './validation.ts';

export interface CustomerServiceDeps {
  customers: CustomersRepository;
  /** The currencies bills take: a profile's default currency must be one of them. */
  currencies: BillCurrencyPolicy;
}

const CUSTOMERS_LIST = 'customers';
const CUSTOMER_ID = new RegExp(CUSTOMER_ID_PATTERN);

function found(customer: StoredCustomer | undefined, id: string): StoredCustomer {
  if (customer === undefined) throw new ConnectError(`customer ${id} has no profile`, Code.NotFound);
  return customer;
}

export function createCustomerService({ customers, currencies }: CustomerServiceDeps): ServiceImpl<typeof CustomerService> {
  return {
    putCustomer: async (request) => {
      check(customerIdProblems(request.customerId));
      const fields = checkProfile(request.fields, currencies);
      const { customer, created } = await customers.put(request.customerId, fields);
      return create(PutCustomerResponseSchema, { customer: customerMessage(customer), created });
    },

    getCustomer: async (request) => {
      check(customerIdProblems(request.customerId));
      return create(GetCustomerResponseSchema, { customer: customerMessage(found(await customers.find(request.customerId), request.customerId)) });
    },

    updateCustomer: async (request) => {
      check(customerIdProblems(request.customerId));
      const changes = checkProfileChanges(request, currencies);
      const customer = await customers.update(request.customerId, changes);
      return create(UpdateCustomerResponseSchema, { customer: customerMessage(found(customer, request.customerId)) });
    },

    listCustomers: async (request) => {
      const limit = pageLimit(request.limit);
      const after = decodeCursor(CUSTOMERS_LIST, request.cursor, keysetPosition(CUSTOMER_ID));
      const page = pageOf(CUSTOMERS_LIST, await customers.list(after, limit + 1), limit, (row) => [row.position, row.id]);
      return create(ListCustomersResponseSchema, { customers: page.rows.map(customerMessage), nextCursor: page.nextCursor });
    },

    getInvoiceDocument: async (request) => {
      const format = FORMAT_NAMES[request.format as keyof typeof FORMAT_NAMES] as 'pdf' | 'html' | 'xml' | undefined;
      check([
        ...customerIdProblems(request.customerId),
        ...(parseBillingPeriod(request.billingPeriod) ? [] : [{ field: 'billingPeriod', message: 'must be a month as YYYY-MM' }]),
        ...(format === undefined ? [{ field: 'format', message: 'must be PDF, HTML or XML' }] : []),
      ]);
      const where = `customer ${request.customerId} for ${request.billingPeriod}`;
      const lookup = await customers.invoiceDocument(request.customerId, request.billingPeriod, format as 'pdf' | 'html' | 'xml');
      switch (lookup.kind) {
        case 'no-bill':
          throw new ConnectError(`no bill of ${where}`, Code.NotFound);
        case 'not-closed':
          throw new ConnectError(`the bill of ${where} is ${lookup.status}; its invoice is issued when it is CLOSED`, Code.FailedPrecondition);
        case 'no-document':
          throw new ConnectError(`the bill of ${where} closed before invoice documents were stored, and has none`, Code.NotFound);
        case 'found': {
          const document = lookup.document;
          return create(GetInvoiceDocumentResponseSchema, {
            content: document.bytes, contentType: document.contentType, sha256: document.sha256, version: document.version,
            invoiceNumber: document.invoiceNumber, billId: document.billId,
          });
        }
      }
    },
  };
}
