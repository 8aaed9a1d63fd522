// csv-report: fs.list → fs.read each *.csv (sorted by name) → group and sum → fs.write the report.
//
// Sums are kept in integer hundredths, so totals are exact to the cent whatever the row count.
// Cells written to the report that a spreadsheet would run as a formula (= + - @, tab, CR) are
// prefixed with an apostrophe (OWASP "CSV injection").

const MAX_FILES = 50;

function fail(code, message) {
  throw Object.assign(new Error(message), { code });
}

async function call(ctx, name, args, what) {
  try {
    return await ctx.call(name, args);
  } catch (error) {
    if (error.code === 'FS_NOT_FOUND' && name === 'fs.list') fail('DIRECTORY_NOT_FOUND', `"${args.path}" does not exist in the workspace`);
    fail('WORKSPACE_ERROR', `${what} failed (${error.code ?? 'error'})`);
  }
}

// RFC 4180: fields separated by commas, optionally quoted with "" escaping; CRLF or LF line ends.
function parseCsv(text, file) {
  const rows = [];
  let row = [];
  let field = '';
  let i = 0;
  let quoted = false;
  let line = 1;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
        quoted = false; i++; continue;
      }
      if (c === '\n') line++;
      field += c; i++; continue;
    }
    if (c === '"' && field === '') { quoted = true; i++; continue; }
    if (c === ',') { row.push(field); field = ''; i++; continue; }
    if (c === '\r' && text[i + 1] === '\n') { i++; continue; }
    if (c === '\n') { row.push(field); rows.push({ cells: row, line }); row = []; field = ''; line++; i++; continue; }
    field += c; i++;
  }
  if (quoted) fail('CSV_MALFORMED', `${file}: a quoted field is not closed`);
  if (field !== '' || row.length > 0) { row.push(field); rows.push({ cells: row, line }); }
  return rows.filter((r) => !(r.cells.length === 1 && r.cells[0] === ''));
}

function toHundredths(value, where) {
  const match = /^(-?)(\d{1,13})(?:\.(\d{1,2}))?$/.exec(value.trim());
  if (match === null) fail('CSV_VALUE_INVALID', `${where}: "${value.slice(0, 40)}" is not a number with at most two decimals`);
  const cents = Number(match[2]) * 100 + Number((match[3] ?? '').padEnd(2, '0'));
  return match[1] === '-' ? -cents : cents;
}

function formatHundredths(cents) {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

function csvCell(value) {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export default async function (input, ctx) {
  const { directory, groupBy, sumColumn, reportPath } = input;
  const listing = await call(ctx, 'fs.list', { path: directory }, 'listing the directory');
  const files = listing.entries.filter((e) => e.type === 'file' && /\.csv$/i.test(e.name)).map((e) => e.name).sort();
  if (files.length === 0) fail('NO_CSV_FILES', `"${directory}" holds no .csv file`);
  if (files.length > MAX_FILES || listing.truncated) fail('TOO_MANY_FILES', `"${directory}" holds more than ${MAX_FILES} CSV files`);

  const groups = new Map();
  let rowCount = 0;
  for (const name of files) {
    const path = `${directory}/${name}`;
    const { content } = await call(ctx, 'fs.read', { path }, `reading "${path}"`);
    const rows = parseCsv(content.replace(/^\uFEFF/, ''), path);
    if (rows.length === 0) continue;
    const header = rows[0].cells.map((h) => h.trim());
    const g = header.indexOf(groupBy);
    const s = header.indexOf(sumColumn);
    if (g === -1 || s === -1) fail('CSV_COLUMN_MISSING', `${path} has no column "${g === -1 ? groupBy : sumColumn}"`);
    for (const row of rows.slice(1)) {
      if (row.cells.length !== header.length) fail('CSV_MALFORMED', `${path}:${row.line} has ${row.cells.length} fields, the header has ${header.length}`);
      const key = row.cells[g].trim();
      const entry = groups.get(key) ?? { count: 0, cents: 0 };
      entry.count++;
      entry.cents += toHundredths(row.cells[s], `${path}:${row.line}`);
      if (!Number.isSafeInteger(entry.cents)) fail('CSV_VALUE_INVALID', `${path}:${row.line}: the total of "${key.slice(0, 40)}" is too large`);
      groups.set(key, entry);
      rowCount++;
    }
  }

  const sorted = [...groups.keys()].sort();
  const out = sorted.map((group) => ({ group, count: groups.get(group).count, total: formatHundredths(groups.get(group).cents) }));
  const report = [['group', 'count', 'total'].join(','), ...out.map((r) => [csvCell(r.group), String(r.count), r.total].join(','))].join('\r\n') + '\r\n';
  const written = await call(ctx, 'fs.write', { path: reportPath, content: report }, `writing "${reportPath}"`);
  ctx.log('report written', { files: files.length, rows: rowCount, groups: out.length });
  return { files: files.length, rows: rowCount, groups: out, reportPath, bytes: written.bytes };
}
