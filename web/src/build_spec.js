// The build form's fields as the build.yaml object `deepimage build` reads (docs/build.md), which the
// server takes as the multipart field "spec": the same keys, the same small syntaxes as the command's
// flags ("y=64/16,x=64/16", "NAME; AFFILIATION; GITHUB USER", "ID:{kwargs as JSON}"). Empty fields are
// left out, so the build's defaults apply. A malformed field throws an Error naming it.
// Pure functions, tested in tests/unit/web/build_spec.test.mjs.

const lines = (text) => (text || '').split('\n').map((l) => l.trim()).filter(Boolean);

// "y=64/16,x=64/16" -> {y: "64/16", x: "64/16"}; numbers: true makes the values numbers (the halo).
export function axisMap(text, field, numbers = false) {
  const map = {};
  for (const part of (text || '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const match = part.match(/^([a-z])\s*=\s*(\S+)$/);
    if (!match) throw new Error(`${field} "${text}": "${part}" is not AXIS=VALUE, e.g. y=64/16,x=64/16`);
    const value = numbers ? Number(match[2]) : match[2];
    if (numbers && !Number.isInteger(value)) throw new Error(`${field} "${text}": "${match[2]}" is not a whole number of pixels`);
    map[match[1]] = value;
  }
  return map;
}

// "NAME; AFFILIATION; GITHUB USER" per line.
export function authors(text) {
  return lines(text).map((line) => {
    const [name, affiliation, github] = line.split(';').map((p) => p.trim());
    return Object.fromEntries(Object.entries({name, affiliation, github}).filter(([, v]) => v));
  });
}

// "TEXT; DOI or URL" per line: a DOI starts with "10.".
export function citations(text) {
  return lines(text).map((line) => {
    const cut = line.lastIndexOf(';');
    if (cut < 0) return {text: line};
    const where = line.slice(cut + 1).trim();
    const entry = {text: line.slice(0, cut).trim()};
    if (/^10\./.test(where)) entry.doi = where;
    else if (where) entry.url = where;
    return entry;
  });
}

// "ID" or "ID:{kwargs as JSON}" per line.
export function ops(text, field) {
  return lines(text).map((line) => {
    const colon = line.indexOf(':');
    if (colon < 0) return {id: line};
    const id = line.slice(0, colon).trim();
    let kwargs;
    try {
      kwargs = JSON.parse(line.slice(colon + 1));
    } catch {
      throw new Error(`${field} "${line}": the kwargs after "${id}:" are not JSON, e.g. ${id}:{"axes": ["y", "x"]}`);
    }
    return {id, kwargs};
  });
}

// fields: the form's text values by name (see build_page.js for the names).
export function buildSpec(fields) {
  const value = (name) => (fields[name] || '').trim();
  const spec = {};
  const set = (object, key, v) => {
    const empty = v === '' || v === undefined || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0);
    if (!empty) object[key] = v;
  };
  for (const key of ['name', 'description', 'license', 'weights_format', 'weights_version', 'example_axes']) set(spec, key, value(key));
  set(spec, 'authors', authors(fields.authors));
  set(spec, 'cite', citations(fields.cite));
  set(spec, 'tags', value('tags').split(',').map((t) => t.trim()).filter(Boolean));
  const input = {};
  set(input, 'id', value('input_id'));
  set(input, 'axes', value('input_axes'));
  set(input, 'size', axisMap(value('input_size'), 'input.size'));
  set(input, 'preprocessing', ops(fields.preprocessing, 'input.preprocessing'));
  const output = {};
  set(output, 'id', value('output_id'));
  set(output, 'axes', value('output_axes'));
  set(output, 'size', axisMap(value('output_size'), 'output.size'));
  set(output, 'halo', axisMap(value('halo'), 'output.halo', true));
  set(output, 'postprocessing', ops(fields.postprocessing, 'output.postprocessing'));
  set(spec, 'input', input);
  set(spec, 'output', output);
  return spec;
}
