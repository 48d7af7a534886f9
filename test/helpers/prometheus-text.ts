/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4), for tests that
 * scrape /metrics: any line that is not empty, `# HELP`, `# TYPE` or a well-formed sample throws, as
 * does a sample of a family with no TYPE, or a histogram whose buckets, _sum and _count disagree.
 */

export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  readonly name: string;
  readonly labels: Labels;
  readonly value: number;
}

export interface Family {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help?: string;
  readonly samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES: Record<Family['type'], readonly string[]> = {
  counter: [''],
  gauge: [''],
  untyped: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};

/** Parses a whole exposition; throws naming the line at the first problem. */
export function parsePrometheusText(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const families = new Map<string, Family>();
  const lines = text.slice(0, -1).split('\n');
  for (const [index, line] of lines.entries()) {
    const where = `line ${index + 1} ${JSON.stringify(line)}`;
    if (line.startsWith('# HELP ')) {
      const [, name, help] = /^# HELP (\S+) ?(.*)$/.exec(line) ?? fail(`${where}: malformed HELP`);
      if (!NAME.test(name)) fail(`${where}: bad metric name`);
      const family = families.get(name);
      if (family?.help !== undefined) fail(`${where}: second HELP for ${name}`);
      if (family) family.help = help;
      else families.set(name, { name, type: 'untyped', help, samples: [] });
    } else if (line.startsWith('# TYPE ')) {
      const [, name, type] = /^# TYPE (\S+) (\S+)$/.exec(line) ?? fail(`${where}: malformed TYPE`);
      if (!TYPES.has(type)) fail(`${where}: unknown type ${type}`);
      const family = families.get(name);
      if (family && (family.samples.length > 0 || family.type !== 'untyped')) fail(`${where}: TYPE after samples or a second TYPE`);
      families.set(name, { name, type: type as Family['type'], help: family?.help, samples: [] });
    } else if (line === '') {
      // The format ignores empty lines; prom-client puts one between families.
      continue;
    } else if (line.startsWith('#')) {
      fail(`${where}: neither a HELP or TYPE comment nor a sample`);
    } else {
      const sample = parseSample(line, where);
      const family = familyOf(families, sample.name) ?? fail(`${where}: sample of a family with no TYPE`);
      family.samples.push(sample);
    }
  }
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}

/** The value of the one sample of `name` with exactly `labels`, or undefined. */
export function sampleValue(families: Map<string, Family>, name: string, labels: Labels = {}): number | undefined {
  const family = familyOf(families, name);
  const wanted = Object.entries(labels);
  const found = family?.samples.filter((sample) => sample.name === name && Object.keys(sample.labels).length === wanted.length && wanted.every(([key, value]) => sample.labels[key] === value));
  if (found && found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} has ${found.length} samples`);
  return found?.[0]?.value;
}

function familyOf(families: Map<string, Family>, sampleName: string): Family | undefined {
  for (const [name, family] of families) {
    if (SUFFIXES[family.type].some((suffix) => `${name}${suffix}` === sampleName)) return family;
  }
  return undefined;
}

function parseSample(line: string, where: string): Sample {
  const [, name, rest] = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(.*)$/.exec(line) ?? fail(`${where}: bad sample name`);
  const labels: Record<string, string> = {};
  let at = 0;
  if (rest.startsWith('{')) {
    at = 1;
    while (rest[at] !== '}') {
      const [match, label] = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(rest.slice(at)) ?? fail(`${where}: bad label at ${at}`);
      if (!LABEL_NAME.test(label) || label in labels) fail(`${where}: bad or repeated label ${label}`);
      at += match.length;
      let value = '';
      for (;;) {
        const char = rest[at++] ?? fail(`${where}: unterminated label value`);
        if (char === '"') break;
        if (char === '\n') fail(`${where}: raw newline in a label value`);
        if (char !== '\\') {
          value += char;
          continue;
        }
        const escaped = rest[at++];
        if (escaped === 'n') value += '\n';
        else if (escaped === '\\' || escaped === '"') value += escaped;
        else fail(`${where}: bad escape \\${escaped}`);
      }
      labels[label] = value;
      if (rest[at] === ',') at++;
      else if (rest[at] !== '}') fail(`${where}: expected , or } after a label`);
    }
    at++;
  }
  const [, text] = /^ (\S+)$/.exec(rest.slice(at)) ?? fail(`${where}: expected one space and a value`);
  return { name, labels, value: parseValue(text, where) };
}

function parseValue(text: string, where: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  // Prometheus reads values with Go's ParseFloat, which takes NaN in any case; prom-client writes `Nan`.
  if (text.toLowerCase() === 'nan') return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) fail(`${where}: bad value ${text}`);
  return Number(text);
}

/** Per label set: buckets in rising `le` order ending at +Inf, cumulative, +Inf = _count, a _sum. */
function checkHistogram(family: Family): void {
  const series = new Map<string, { buckets: [number, number][]; sum?: number; count?: number }>();
  for (const sample of family.samples) {
    const { le, ...rest } = sample.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const entry = series.get(key) ?? { buckets: [] };
    series.set(key, entry);
    if (sample.name.endsWith('_bucket')) {
      if (le === undefined) fail(`${family.name}: a bucket without le`);
      entry.buckets.push([parseValue(le, `${family.name} le`), sample.value]);
    } else if (sample.name.endsWith('_sum')) {
      entry.sum = sample.value;
    } else {
      entry.count = sample.value;
    }
  }
  for (const [key, { buckets, sum, count }] of series) {
    const name = `${family.name}${key}`;
    if (sum === undefined || count === undefined || buckets.length === 0) fail(`${name}: needs buckets, _sum and _count`);
    for (let i = 1; i < buckets.length; i++) {
      if (!(buckets[i][0] > buckets[i - 1][0])) fail(`${name}: le values not rising`);
      if (buckets[i][1] < buckets[i - 1][1]) fail(`${name}: bucket counts not cumulative`);
    }
    const [lastLe, lastCount] = buckets[buckets.length - 1];
    if (lastLe !== Infinity) fail(`${name}: the last bucket is not le="+Inf"`);
    if (lastCount !== count) fail(`${name}: +Inf bucket ${lastCount} != _count ${count}`);
    if (count > 0 && !(sum >= 0)) fail(`${name}: bad _sum ${sum}`);
  }
}

function fail(message: string): never {
  throw new Error(`Prometheus text: ${message}`);
}
