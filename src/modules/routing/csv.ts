/**
 * RFC 4180 CSV: quoted fields may hold commas, quotes and line breaks. Returns rows as
 * objects by header; a row with more or fewer fields than the header is a SyntaxError.
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
  if (quoted) throw new SyntaxError('a quoted field is not closed');
  if (field || row.length) {
    row.push(field);
    rows.push(row);
  }
  const [header = [], ...body] = rows.filter((r) => r.length > 1 || r[0]);
  const names = header.map((h) => h.replace(/^\uFEFF/, '').trim());
  body.forEach((r, i) => {
    if (r.length !== names.length) throw new SyntaxError(`row ${i + 2} has ${r.length} fields, the header has ${names.length}`);
  });
  return { header: names, rows: body.map((r) => Object.fromEntries(names.map((h, i) => [h, r[i]]))) };
}
