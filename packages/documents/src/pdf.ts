// The PDF form: PDF/A-3b through pdfkit, Noto Sans embedded as subsets, the UBL XML attached as
// the document's associated file (AFRelationship Alternative). Every date in the file is the
// moment the bill closed, so rendering the same view model gives the same bytes.
import PDFDocument from 'pdfkit';
import { DocumentLayouts, documentFonts } from './fonts.ts';
import { formatDate, formatDecimal, formatMoney } from './format.ts';
import { documentLabels } from './labels.ts';
import type { InvoiceView, PostalAddress } from './model.ts';

const MARGIN = 50;
const PAGE_WIDTH = 595.28; // A4
const PAGE_HEIGHT = 841.89;
const CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN;
const COLUMNS = [
  { key: 'position', width: 30, align: 'right' },
  { key: 'description', width: 195, align: 'left' },
  { key: 'quantity', width: 60, align: 'right' },
  { key: 'unitPrice', width: 105, align: 'right' },
  { key: 'amount', width: 105, align: 'right' },
] as const;

/** Characters after which pdfkit's line wrapper must or may end a line (mandatory breaks, the soft hyphen). */
const MAY_BREAK = /[\n\r\v\f\u0085\u2028\u2029\u00ad]/;

function addressLines(address: PostalAddress | undefined): string[] {
  if (address === undefined) return [];
  return [address.line1, address.line2, [address.postalCode, address.city].filter(Boolean).join(' '), address.region, address.country]
    .filter((part): part is string => part !== undefined && part !== '');
}

/** The PDF/A-3b bytes of the invoice (or credit note), with `ubl` attached as `invoice.xml` (`credit-note.xml`). */
export async function renderPdf(view: InvoiceView, ubl: string): Promise<Buffer> {
  const t = documentLabels(view);
  const l = view.locale;
  const fonts = documentFonts();
  const at = new Date(view.issuedAt);
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    pdfVersion: '1.7',
    subset: 'PDF/A-3b',
    lang: l,
    displayTitle: true,
    bufferPages: false,
    info: {
      Title: `${t.invoice} ${view.number}`,
      Author: view.seller.legalName,
      Subject: `${t.invoice} ${view.number}`,
      Creator: 'billing-platform documents',
      Producer: 'billing-platform documents (pdfkit)',
      CreationDate: at,
      ModDate: at,
    },
  } as PDFKit.PDFDocumentOptions);
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  doc.registerFont('regular', fonts.regular as unknown as Buffer);
  doc.registerFont('bold', fonts.bold as unknown as Buffer);
  doc.file(Buffer.from(ubl, 'utf8'), {
    ...(view.creditNote
      ? { name: 'credit-note.xml', description: 'UBL 2.1 credit note (EN 16931, Peppol BIS Billing 3.0)' }
      : { name: 'invoice.xml', description: 'UBL 2.1 invoice (EN 16931, Peppol BIS Billing 3.0)' }),
    type: 'application/xml', relationship: 'Alternative', creationDate: at, modifiedDate: at,
  } as Parameters<PDFKit.PDFDocument["file"]>[1]);

  const layouts = new DocumentLayouts();
  const font = (name: string, size: number) => {
    doc.font(name).fontSize(size);
    layouts.attach(doc);
  };
  const money = (amount: string, code = view.currency) => formatMoney(amount, code, l);
  let y = MARGIN;
  const text = (value: string, x: number, top: number, options: PDFKit.Mixins.TextOptions & { font?: string; size?: number } = {}) => {
    font(options.font ?? 'regular', options.size ?? 9);
    doc.text(value, x, top, { lineBreak: true, ...options });
    return doc.y;
  };

  /**
   * Whether pdfkit's line wrapper would set `value` on one line of `width` in the current font: no
   * break it must or may take, and a width clear of the column's. The margin is far above the
   * rounding of the wrapper's word widths and the kerning between its words, so anything close to
   * the column's width is left to the wrapper.
   */
  const oneLine = (value: string, width: number) => !MAY_BREAK.test(value) && doc.widthOfString(value) <= width - 8;

  /**
   * One cell of the lines table, in the regular font. A value on one line (every figure, most
   * descriptions) is placed where pdfkit's line wrapper would put it, without the wrapper: the same
   * x (a right-aligned offset computed as pdfkit computes it), the same text, the same position left
   * behind, so the same bytes. Anything else goes through the wrapper.
   */
  const cell = (value: string, x: number, top: number, width: number, align: 'left' | 'right') => {
    font('regular', 9);
    const lineHeight = doc.currentLineHeight(true);
    if (!oneLine(value, width) || top + lineHeight > doc.page.maxY()) {
      text(value, x, top, { width, align });
      return;
    }
    const left = align === 'right' ? x + (width - doc.widthOfString(value.replace(/\s+$/, ''))) : x;
    doc.text(value, left, top, { lineBreak: false });
    doc.x = x;
    doc.y = top + lineHeight;
  };

  /** The height pdfkit's heightOfString gives `value` in the regular font, without wrapping a value on one line. */
  const cellHeight = (value: string, width: number) => {
    font('regular', 9);
    if (!oneLine(value, width)) return doc.heightOfString(value, { width });
    // heightOfString's own arithmetic for one line: from the current y, one line height further.
    const from = doc.y;
    return (from + doc.currentLineHeight(true)) - from;
  };

  // Heading and document facts.
  if (view.seller.logoPng) doc.image(Buffer.from(view.seller.logoPng), PAGE_WIDTH - MARGIN - 120, MARGIN, { fit: [120, 48] });
  y = text(`${t.invoice} ${view.number}`, MARGIN, y, { font: 'bold', size: 18 }) + 6;
  const facts: Array<[string, string]> = [
    [t.number, view.number],
    [t.issueDate, formatDate(view.issueDate, l)],
    [t.dueDate, formatDate(view.dueDate, l)],
    [t.period, `${formatDate(view.periodStart, l)} – ${formatDate(view.periodEnd, l)}`],
  ];
  for (const [label, value] of facts) {
    text(label, MARGIN, y, { font: 'bold', width: 130 });
    y = text(value, MARGIN + 135, y, { width: 260 }) + 1;
  }
  y += 12;

  // Seller and buyer.
  const half = CONTENT_WIDTH / 2;
  const sellerLines = [view.seller.legalName, ...addressLines(view.seller.address), `${t.taxId}: ${view.seller.taxId}`,
    ...(view.seller.registrationId ? [`${t.registrationId}: ${view.seller.registrationId}`] : [])];
  const buyerLines = [view.buyer.legalName, ...addressLines(view.buyer.address), ...(view.buyer.email ? [view.buyer.email] : []),
    `${t.customerId}: ${view.buyer.id}`, ...(view.buyer.taxId ? [`${t.taxId}: ${view.buyer.taxId}`] : [])];
  text(t.seller, MARGIN, y, { font: 'bold', size: 10 });
  text(t.buyer, MARGIN + half, y, { font: 'bold', size: 10 });
  const partiesTop = y + 15;
  const sellerBottom = text(sellerLines.join('\n'), MARGIN, partiesTop, { width: half - 10 });
  const buyerBottom = text(buyerLines.join('\n'), MARGIN + half, partiesTop, { width: half - 10 });
  y = Math.max(sellerBottom, buyerBottom) + 16;

  // Lines.
  const headers = [t.position, t.description, t.quantity, t.unitPrice, t.amount];
  const drawHeader = () => {
    let x = MARGIN;
    COLUMNS.forEach((column, index) => {
      text(headers[index] as string, x, y, { font: 'bold', width: column.width - 4, align: column.align });
      x += column.width;
    });
    y += 14;
    doc.moveTo(MARGIN, y).lineTo(MARGIN + CONTENT_WIDTH, y).lineWidth(0.5).strokeColor('#888888').stroke();
    y += 4;
  };
  const newPage = () => {
    doc.addPage();
    y = MARGIN;
    drawHeader();
  };
  drawHeader();
  for (const line of view.lines) {
    const description = line.conversion
      ? `${line.description}\n${t.converted(money(line.conversion.original, line.conversion.originalCurrency),
        formatDecimal(line.conversion.rate, l), line.conversion.source, formatDate(line.conversion.asOf, l))}`
      : line.description;
    const height = cellHeight(description, COLUMNS[1].width - 4);
    if (y + height > PAGE_HEIGHT - MARGIN - 20) newPage();
    // The amount column is in the bill currency, so the printed lines add up to the printed total.
    const cells = [String(line.position), description, formatDecimal(line.quantity, l), money(line.unitPrice, line.lineCurrency),
      money(line.billAmount)];
    let x = MARGIN;
    COLUMNS.forEach((column, index) => {
      cell(cells[index] as string, x, y, column.width - 4, column.align);
      x += column.width;
    });
    y += height + 4;
  }

  // Totals.
  if (y > PAGE_HEIGHT - MARGIN - 160) {
    doc.addPage();
    y = MARGIN;
  }
  doc.moveTo(MARGIN, y).lineTo(MARGIN + CONTENT_WIDTH, y).lineWidth(0.5).strokeColor('#888888').stroke();
  y += 6;
  const labelX = MARGIN + COLUMNS[0].width + COLUMNS[1].width;
  const labelWidth = COLUMNS[2].width + COLUMNS[3].width - 4;
  const amountX = labelX + COLUMNS[2].width + COLUMNS[3].width;
  if (view.subtotals.length > 1) {
    y = text(t.subtotals, MARGIN, y, { font: 'bold' }) + 2;
    for (const subtotal of view.subtotals) y = text(money(subtotal.amount, subtotal.currency), MARGIN, y) + 1;
    y += 6;
  }
  for (const [label, amount] of [[t.total, view.total], [t.paid, view.paid], [t.amountDue, view.amountDue]] as const) {
    text(label, labelX, y, { font: 'bold', width: labelWidth, align: 'right' });
    y = text(money(amount), amountX, y, { font: 'bold', width: COLUMNS[4].width - 4, align: 'right' }) + 2;
  }
  y += 12;
  if (view.mandateIds.length > 0) y = text(`${t.mandates}: ${view.mandateIds.join(', ')}`, MARGIN, y, { width: CONTENT_WIDTH }) + 4;
  y = text(`${t.vatCategory} O – ${t.vatNote}`, MARGIN, y, { width: CONTENT_WIDTH }) + 4;
  y = text(`${t.paymentTerms(view.seller.paymentTermsDays)} ${t.timeZoneNote(view.timeZone)}`, MARGIN, y, { width: CONTENT_WIDTH }) + 4;
  y = text(t.attachment, MARGIN, y, { width: CONTENT_WIDTH, size: 8 }) + 4;
  if (view.seller.footer) text(view.seller.footer, MARGIN, y, { width: CONTENT_WIDTH, size: 8 });

  layouts.commit();
  doc.end();
  return done;
}
