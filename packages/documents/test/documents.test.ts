// Every document of the fixture matrix checked by the real tools, offline: the UBL by phive with the
// official EN 16931 and Peppol BIS Billing 3.0 rules, the PDF by veraPDF (PDF/A-3b), pdffonts and
// pdftotext; all validations run in one JVM. Tools come from tools/tools.mjs (BILLING_TOOLS_DIR).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureDocumentTools } from '../tools/tools.mjs';
import {
  formatMoney, invoiceView, renderCreditNoteDocuments, renderInvoiceDocuments, renderViewDocuments, RENDERS_AT_ONCE, type RenderedDocument,
} from '../src/index.ts';
import { CREDIT_NOTE_FIXTURES, FIXTURES } from './fixtures.ts';

interface Finding { file: string; kind: string; errors: Array<{ id: string; text: string }> }

const dir = mkdtempSync(join(tmpdir(), 'invoice-documents-'));
const rendered = new Map<string, RenderedDocument[]>();
let findings: Finding[] = [];
let tools: ReturnType<typeof ensureDocumentTools>;

function fileOf(name: string, format: string): string {
  return join(dir, `${name}.${format}`);
}

function poppler(tool: string, args: string[]): string {
  return execFileSync(join(tools.poppler.bin, tool), args, { env: tools.poppler.env, encoding: 'utf8' });
}

beforeAll(async () => {
  tools = ensureDocumentTools();
  for (const fixture of FIXTURES) {
    const documents = await renderInvoiceDocuments(fixture.input);
    rendered.set(fixture.name, documents);
    for (const document of documents) writeFileSync(fileOf(fixture.name, document.format), document.bytes);
  }
  for (const fixture of CREDIT_NOTE_FIXTURES) {
    const documents = await renderCreditNoteDocuments(fixture.input);
    rendered.set(fixture.name, documents);
    for (const document of documents) writeFileSync(fileOf(fixture.name, document.format), document.bytes);
  }
  // The negative control: the eur-one-line invoice with a payable amount one cent short.
  const xml = rendered.get('eur-one-line-en')?.find((document) => document.format === 'xml')?.bytes.toString('utf8') ?? '';
  writeFileSync(fileOf('wrong-total', 'xml'), xml.replace('<cbc:PayableAmount currencyID="EUR">200.00<', '<cbc:PayableAmount currencyID="EUR">199.99<'));
  // Invoices and credit notes in one JVM run: the rule sets are compiled once.
  const names = [...FIXTURES, ...CREDIT_NOTE_FIXTURES].map((fixture) => fixture.name);
  const result = spawnSync(tools.validators.java, [
    ...tools.validators.args,
    'ubl', ...names.map((name) => fileOf(name, 'xml')), fileOf('wrong-total', 'xml'),
    '--', 'pdfa', ...names.map((name) => fileOf(name, 'pdf')),
  ], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`validator harness failed: ${result.stderr}`);
  findings = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Finding);
}, 600_000);

function errorsOf(file: string): string[] {
  const finding = findings.find((candidate) => candidate.file === file);
  if (finding === undefined) throw new Error(`no validation result for ${file}`);
  return finding.errors.map((error) => `${error.id}: ${error.text}`);
}

describe('UBL 2.1 invoice (EN 16931, Peppol BIS Billing 3.0)', () => {
  for (const fixture of FIXTURES.filter((candidate) => candidate.input.customer !== null)) {
    it(`${fixture.name} validates with no error`, () => {
      expect(errorsOf(fileOf(fixture.name, 'xml'))).toEqual([]);
    });
  }

  it('a customer without a profile has no Peppol address: EN 16931 passes, only the Peppol address scheme rule fails', () => {
    expect(errorsOf(fileOf('gel-no-profile-en', 'xml')).map((error) => error.split(':')[0])).toEqual(['PEPPOL-EN16931-CL008']);
  });

  it('a payable amount that does not match the totals fails BR-CO-16', () => {
    expect(errorsOf(fileOf('wrong-total', 'xml')).some((error) => error.startsWith('BR-CO-16'))).toBe(true);
  });
});

describe('PDF/A-3b', () => {
  for (const fixture of FIXTURES) {
    it(`${fixture.name} passes veraPDF`, () => {
      expect(errorsOf(fileOf(fixture.name, 'pdf'))).toEqual([]);
    });
  }

  it('embeds every font', () => {
    for (const fixture of FIXTURES) {
      const rows = poppler('pdffonts', [fileOf(fixture.name, 'pdf')]).trim().split('\n').slice(2);
      expect(rows.length).toBeGreaterThan(0);
      // Columns: name type encoding emb sub uni object ID; `emb` is the fourth from the end.
      for (const row of rows) expect(row.trim().split(/\s+/).at(-5)).toBe('yes');
    }
  });

  it('prints every field, and the printed line amounts add up to the printed total', () => {
    const fixture = FIXTURES.find((candidate) => candidate.name === 'eur-converted-usd-en');
    if (fixture === undefined) throw new Error('fixture missing');
    const view = invoiceView(fixture.input);
    const text = poppler('pdftotext', ['-layout', fileOf(fixture.name, 'pdf'), '-']);
    for (const field of [view.number, 'December 1, 2026', 'December 31, 2026', 'November 1, 2026', 'November 30, 2026',
      view.seller.legalName, view.seller.taxId, 'Kund & Söhne AB', 'Storgatan 2', 'cus_42', 'SE556677889901',
      '€10.00', '€11.29', '$12.00', '$4.00', '0.941', 'ECB', 'November 30, 2026', '€21.29', '€5.00', '€16.29', 'Not subject to VAT',
      'mnd_0123456789abcdef0123456789abcdef']) {
      expect(text).toContain(field);
    }
    // The lines' amounts in the bill currency, as printed, add up to the printed total.
    const printedLines = view.lines.map((line) => formatMoney(line.billAmount, view.currency, 'en'));
    for (const printed of printedLines) expect(text).toContain(printed);
    const cents = (printed: string) => BigInt(printed.replace(/[^0-9]/g, ''));
    expect(printedLines.reduce((sum, printed) => sum + cents(printed), 0n)).toBe(cents(formatMoney(view.total, view.currency, 'en')));
    expect(text).toContain(formatMoney(view.total, view.currency, 'en'));
  });

  it('prints the German and French dates and numbers of the locale', () => {
    expect(poppler('pdftotext', ['-layout', fileOf('usd-400-lines-de', 'pdf'), '-'])).toMatch(/1\. Dezember 2026[\s\S]*9\.872,00\s\$/);
    expect(poppler('pdftotext', ['-layout', fileOf('kwd-three-decimals-fr', 'pdf'), '-'])).toMatch(/1 décembre 2026[\s\S]*2,870\sKWD/);
  });
});

describe('credit notes (UBL 2.1 CreditNote, EN 16931, Peppol BIS Billing 3.0)', () => {
  for (const fixture of CREDIT_NOTE_FIXTURES) {
    it(`${fixture.name} validates with no error and passes veraPDF`, () => {
      expect(errorsOf(fileOf(fixture.name, 'xml'))).toEqual([]);
      expect(errorsOf(fileOf(fixture.name, 'pdf'))).toEqual([]);
    });
  }

  it('is a CreditNote of type 381 referencing the credited invoice, its payable amount what it credits', () => {
    const xml = rendered.get('cn-eur-converted-lines-en')?.find((document) => document.format === 'xml')?.bytes.toString('utf8') ?? '';
    expect(xml).toContain('<CreditNote xmlns="urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"');
    expect(xml).toContain('<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>');
    expect(xml).toContain('<cac:BillingReference><cac:InvoiceDocumentReference><cbc:ID>INV-2026-000042</cbc:ID><cbc:IssueDate>2026-12-01</cbc:IssueDate>');
    expect(xml).toContain('<cbc:PayableAmount currencyID="EUR">16.00</cbc:PayableAmount>');
    expect(xml.match(/<cac:CreditNoteLine>/g)).toHaveLength(2);
  });

  it('prints its number, the credited invoice, the reason and the parts in the locale', () => {
    const text = poppler('pdftotext', ['-layout', fileOf('cn-eur-converted-lines-en', 'pdf'), '-']);
    expect(text).toMatch(/Credit note CN-2026-000001/);
    expect(text).toMatch(/credits invoice INV-2026-000042\. Reason: Duplicate charge & <refund>\./);
    expect(text).toMatch(/Applied to the amount due\s+€11\.29/);
    expect(text).toMatch(/Given back\s+€4\.71/);
    expect(poppler('pdftotext', ['-layout', fileOf('cn-jpy-whole-bill-de', 'pdf'), '-'])).toMatch(/Gutschrift CN-2026-000002/);
    const html = rendered.get('cn-kwd-three-decimals-fr')?.find((document) => document.format === 'html')?.bytes.toString('utf8') ?? '';
    expect(html).toContain('<html lang="fr">');
    expect(html).toContain('Avoir CN-2026-000003');
  });
});

describe('reproducible bytes', () => {
  it('renders the same bytes in two separate processes', () => {
    const script = `
      import { renderInvoiceDocuments } from ${JSON.stringify(new URL('../src/index.ts', import.meta.url).pathname)};
      import { FIXTURES } from ${JSON.stringify(new URL('./fixtures.ts', import.meta.url).pathname)};
      const out = [];
      for (const fixture of FIXTURES) for (const document of await renderInvoiceDocuments(fixture.input)) out.push(fixture.name + '.' + document.format + ' ' + document.sha256);
      console.log(out.join('\\n'));`;
    const run = () => execFileSync(process.execPath, ['--conditions=source', '--disable-warning=ExperimentalWarning', '--input-type=module', '-e', script],
      { encoding: 'utf8' });
    const first = run();
    const second = run();
    expect(second).toBe(first);
    const here = FIXTURES.flatMap((fixture) => (rendered.get(fixture.name) ?? []).map((document) => `${fixture.name}.${document.format} ${document.sha256}`));
    expect(first.trim().split('\n')).toEqual(here);
  }, 120_000);

  it('renders the same bytes whatever the process rendered before (shaped words and written figures are kept per process)', async () => {
    // Reversed, after the whole matrix: every word and figure is already in the process's caches.
    for (const fixture of [...FIXTURES].reverse()) {
      const again = await renderInvoiceDocuments(fixture.input);
      expect(again.map((document) => document.sha256)).toEqual((rendered.get(fixture.name) ?? []).map((document) => document.sha256));
    }
  });

  it('renders started together all finish with their own bytes, a failing one included, and the next render still runs', async () => {
    const broken = { ...invoiceView((FIXTURES[0] as (typeof FIXTURES)[number]).input), currency: 'ZZZ' };
    const started = [...FIXTURES, ...FIXTURES].map((fixture) => renderInvoiceDocuments(fixture.input));
    const failing = Array.from({ length: RENDERS_AT_ONCE + 1 }, () => renderViewDocuments(broken));
    const results = await Promise.allSettled([...failing, ...started]);
    expect(results.slice(0, failing.length).every((result) => result.status === 'rejected')).toBe(true);
    const hashes = results.slice(failing.length).map((result) => (result.status === 'fulfilled' ? result.value.map((document) => document.sha256) : []));
    expect(hashes).toEqual([...FIXTURES, ...FIXTURES].map((fixture) => (rendered.get(fixture.name) ?? []).map((document) => document.sha256)));
    const again = await renderInvoiceDocuments((FIXTURES[0] as (typeof FIXTURES)[number]).input);
    expect(again[0]?.sha256).toBe(rendered.get((FIXTURES[0] as (typeof FIXTURES)[number]).name)?.[0]?.sha256);
  }, 60_000);

  it('a changed line changes the hash', async () => {
    const fixture = FIXTURES[0];
    if (fixture === undefined) throw new Error('fixture missing');
    const line = fixture.input.bill.lines[0];
    if (line === undefined) throw new Error('fixture has no line');
    const changed = await renderInvoiceDocuments({ ...fixture.input, bill: { ...fixture.input.bill, lines: [{ ...line, description: 'Another service' }] } });
    const before = rendered.get(fixture.name) ?? [];
    for (const [index, document] of changed.entries()) expect(document.sha256).not.toBe(before[index]?.sha256);
  });
});
