/** Why a CSV cannot be read, with the row (counting the header as row 1) where it can say. */
export class CsvError extends SyntaxError {
  constructor(
    message: string,
    readonly fault: 'unclosed_quote' | 'field_count',
    readonly at: { row?: number; fields?: number; columns?: number } = {},
  ) {
    super(message);
  }
}

/**
 * RFC 4180 CSV: quoted fields may hold commas, quotes and line breaks. Returns rows as
 * objects by header; a quote left open, or a row with more or fewer fields than the header,
 * is a CsvError.
 */
export function parseCsv(text: string): { header: string[]; rows: Record<string, string>[] } {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (quoted) throw new CsvError('a quoted field is not closed', 'unclosed_quote');
  if (field || row.length) {
    row.push(field);
    rows.push(row);
  }
  const [header = [], ...body] = rows.filter((r) => r.length > 1 || r[0]);
  const names = header.map((h) => h.replace(/^\uFEFF/, '').trim());
  body.forEach((r, i) => {
    if (r.length !== names.length) throw new CsvError(`row ${i + 2} has ${r.length} fields, the header has ${names.length}`, 'field_count', { row: i + 2, fields: r.length, columns: names.length });
  });
  return { header: names, rows: body.map((r) => Object.fromEntries(names.map((h, i) => [h, r[i]]))) };
}
