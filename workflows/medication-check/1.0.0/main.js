// medication-check: pairwise interaction check over the drug table in kv.
//
// Entries: kv "drug:<name>" → { name, class, interactions: [{ with, severity, effect }] }. An
// interaction may be recorded on either drug of a pair; both directions are consulted and the more
// severe one wins. Drugs are looked up one at a time in input order, so the calls are deterministic.

const SEVERITY = ['none', 'minor', 'moderate', 'major', 'contraindicated'];

function fail(code, message) {
  throw Object.assign(new Error(message), { code });
}

function normalise(name) {
  return name.trim().replace(/ +/g, ' ').toLowerCase();
}

function checkEntry(name, value) {
  const ok = value !== null && typeof value === 'object' && typeof value.name === 'string' && Array.isArray(value.interactions) &&
    value.interactions.every((i) => i !== null && typeof i === 'object' && typeof i.with === 'string' &&
      SEVERITY.indexOf(i.severity) > 0 && typeof i.effect === 'string');
  if (!ok) fail('DRUG_TABLE_INVALID', `the drug table entry for "${name}" is malformed`);
  return value;
}

export default async function (input, ctx) {
  const names = input.medications.map(normalise);
  const seen = new Set();
  for (const name of names) {
    if (seen.has(name)) fail('DUPLICATE_MEDICATION', `"${name}" is listed more than once`);
    seen.add(name);
  }

  const entries = new Map();
  for (const name of names) {
    let answer;
    try {
      answer = await ctx.call('kv.get', { key: `drug:${name}` });
    } catch (error) {
      fail('DRUG_TABLE_UNAVAILABLE', `reading the drug table failed (${error.code ?? 'error'})`);
    }
    if (answer === null || typeof answer !== 'object' || answer.found !== true) fail('UNKNOWN_DRUG', `"${name}" is not in the drug table`);
    entries.set(name, checkEntry(name, answer.value));
  }

  const interactions = [];
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) {
      const a = names[i];
      const b = names[j];
      const found = [
        ...entries.get(a).interactions.filter((x) => normalise(x.with) === b),
        ...entries.get(b).interactions.filter((x) => normalise(x.with) === a),
      ];
      if (found.length === 0) continue;
      found.sort((x, y) => SEVERITY.indexOf(y.severity) - SEVERITY.indexOf(x.severity));
      const pair = [a, b].sort();
      interactions.push({ drugs: pair, severity: found[0].severity, effect: found[0].effect });
    }
  }
  interactions.sort((x, y) => SEVERITY.indexOf(y.severity) - SEVERITY.indexOf(x.severity) ||
    (x.drugs.join('+') < y.drugs.join('+') ? -1 : x.drugs.join('+') > y.drugs.join('+') ? 1 : 0));
  const highestSeverity = interactions.length === 0 ? 'none' : interactions[0].severity;
  ctx.log('interaction check done', { drugs: names.length, interactions: interactions.length });
  return {
    checked: names,
    interactions,
    highestSeverity,
    safe: SEVERITY.indexOf(highestSeverity) < SEVERITY.indexOf('major'),
  };
}
