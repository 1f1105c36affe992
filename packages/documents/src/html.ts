// The HTML form: one self-contained page (no external resource), with the document language set,
// headings, a captioned table with header cells, and print styles.
import { formatDate, formatDecimal, formatMoney } from './format.ts';
import { documentLabels } from './labels.ts';
import type { InvoiceView, PostalAddress } from './model.ts';

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function addressLines(address: PostalAddress | undefined): string[] {
  if (address === undefined) return [];
  return [address.line1, address.line2, [address.postalCode, address.city].filter(Boolean).join(' '), address.region, address.country]
    .filter((part): part is string => part !== undefined && part !== '');
}

const STYLE = `
body{font-family:"Noto Sans",Arial,sans-serif;color:#111;margin:2rem auto;max-width:52rem;font-size:14px;line-height:1.4}
header{display:flex;justify-content:space-between;align-items:flex-start;gap:2rem}
h1{font-size:1.8rem;margin:0 0 .5rem}h2{font-size:1rem;margin:1.5rem 0 .3rem}
dl{display:grid;grid-template-columns:auto auto;gap:.1rem 1rem;margin:0}dt{font-weight:bold}dd{margin:0}
.parties{display:flex;gap:3rem}address{font-style:normal}
table{width:100%;border-collapse:collapse;margin-top:.5rem}caption{text-align:left;font-weight:bold;padding:.3rem 0}
th,td{border-bottom:1px solid #bbb;padding:.3rem .4rem;vertical-align:top;text-align:left}
.num{text-align:right;white-space:nowrap}.note{color:#444;font-size:.85em}
tfoot th,tfoot td{border-bottom:none;font-weight:bold}
@media print{body{margin:0;max-width:none}a{color:inherit}tr{break-inside:avoid}}
`;

/** The HTML page of the invoice, UTF-8. */
export function renderHtml(view: InvoiceView): string {
  const t = documentLabels(view);
  const l = view.locale;
  const money = (amount: string, code = view.currency) => escapeHtml(formatMoney(amount, code, l));
  const e = escapeHtml;
  const seller = view.seller;
  const logo = seller.logoPng ? `<img src="data:image/png;base64,${Buffer.from(seller.logoPng).toString('base64')}" alt="${e(seller.legalName)}" height="48">` : '';
  const rows = view.lines.map((line) => {
    const conversion = line.conversion
      ? `<div class="note">${e(t.converted(formatMoney(line.conversion.original, line.conversion.originalCurrency, l),
        formatDecimal(line.conversion.rate, l), line.conversion.source, formatDate(line.conversion.asOf, l)))}</div>`
      : '';
    return `<tr><td class="num">${line.position}</td><td>${e(line.description)}${conversion}</td>` +
      `<td class="num">${e(formatDecimal(line.quantity, l))}</td><td class="num">${money(line.unitPrice, line.lineCurrency)}</td>` +
      `<td class="num">${money(line.billAmount)}</td><td>${e(t.vatCategory)} O</td></tr>`;
  }).join('\n');
  const subtotals = view.subtotals.length > 1
    ? `<h2>${e(t.subtotals)}</h2><ul>${view.subtotals.map((s) => `<li>${money(s.amount, s.currency)}</li>`).join('')}</ul>`
    : '';
  const mandates = view.mandateIds.length > 0
    ? `<h2>${e(t.mandates)}</h2><ul>${view.mandateIds.map((id) => `<li>${e(id)}</li>`).join('')}</ul>`
    : '';
  return `<!DOCTYPE html>
<html lang="${l}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(t.invoice)} ${e(view.number)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<div><h1>${e(t.invoice)} ${e(view.number)}</h1>
<dl>
<dt>${e(t.number)}</dt><dd>${e(view.number)}</dd>
<dt>${e(t.issueDate)}</dt><dd><time datetime="${view.issueDate}">${e(formatDate(view.issueDate, l))}</time></dd>
<dt>${e(t.dueDate)}</dt><dd><time datetime="${view.dueDate}">${e(formatDate(view.dueDate, l))}</time></dd>
<dt>${e(t.period)}</dt><dd><time datetime="${view.periodStart}">${e(formatDate(view.periodStart, l))}</time> – <time datetime="${view.periodEnd}">${e(formatDate(view.periodEnd, l))}</time></dd>
</dl></div>
${logo}
</header>
<main>
<div class="parties">
<section aria-labelledby="seller"><h2 id="seller">${e(t.seller)}</h2>
<address>${[seller.legalName, ...addressLines(seller.address)].map(e).join('<br>')}</address>
<p>${e(t.taxId)}: ${e(seller.taxId)}${seller.registrationId ? `<br>${e(t.registrationId)}: ${e(seller.registrationId)}` : ''}</p>
</section>
<section aria-labelledby="buyer"><h2 id="buyer">${e(t.buyer)}</h2>
<address>${[view.buyer.legalName, ...addressLines(view.buyer.address), view.buyer.email].filter((x): x is string => Boolean(x)).map(e).join('<br>')}</address>
<p>${e(t.customerId)}: ${e(view.buyer.id)}${view.buyer.taxId ? `<br>${e(t.taxId)}: ${e(view.buyer.taxId)}` : ''}</p>
</section>
</div>
<h2 id="lines">${e(t.lines)}</h2>
<table aria-labelledby="lines">
<caption>${e(t.invoice)} ${e(view.number)}</caption>
<thead><tr><th scope="col">${e(t.position)}</th><th scope="col">${e(t.description)}</th><th scope="col" class="num">${e(t.quantity)}</th>` +
`<th scope="col" class="num">${e(t.unitPrice)}</th><th scope="col" class="num">${e(t.amount)}</th><th scope="col">${e(t.vatCategory)}</th></tr></thead>
<tbody>
${rows}
</tbody>
<tfoot>
<tr><th scope="row" colspan="4">${e(t.total)}</th><td class="num">${money(view.total)}</td><td></td></tr>
<tr><th scope="row" colspan="4">${e(t.paid)}</th><td class="num">${money(view.paid)}</td><td></td></tr>
<tr><th scope="row" colspan="4">${e(t.amountDue)}</th><td class="num">${money(view.amountDue)}</td><td></td></tr>
</tfoot>
</table>
${subtotals}
${mandates}
<p>${e(t.vatNote)}</p>
<p>${e(t.paymentTerms(seller.paymentTermsDays))} ${e(t.timeZoneNote(view.timeZone))}</p>
</main>
${seller.footer ? `<footer><p>${e(seller.footer)}</p></footer>` : ''}
</body>
</html>
`;
}
