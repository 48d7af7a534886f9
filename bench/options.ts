/** Command-line options of `npm run bench -- [--only a,b] [--quick] [--repeats N]`. */

export interface BenchOptions {
  /** Section names to run (lower case); undefined runs every section. */
  readonly only?: ReadonlySet<string>;
  /** Fewer calls per measurement and one repeat: checks the harness in well under a minute. */
  readonly quick: boolean;
  /** How many times each A/B pair is measured (ABAB...). */
  readonly repeats: number;
}

export function parseOptions(argv: readonly string[], sections: readonly string[]): BenchOptions {
  let only: Set<string> | undefined;
  let quick = false;
  let repeats: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2) as [string, string | undefined];
    const value = () => inline ?? argv[++i];
    if (flag === '--quick') quick = true;
    else if (flag === '--only') {
      only ??= new Set();
      for (const name of (value() ?? '').split(',')) {
        const section = name.trim().toLowerCase();
        if (!sections.includes(section)) throw new Error(`--only: no section "${name}" (sections: ${sections.join(', ')})`);
        only.add(section);
      }
    } else if (flag === '--repeats') {
      repeats = Number(value());
      if (!Number.isInteger(repeats) || repeats < 1) throw new Error('--repeats needs a whole number of at least 1');
    } else throw new Error(`unknown option ${argv[i]} (options: --only ${sections.join(',')}, --quick, --repeats N)`);
  }
  return { only, quick, repeats: repeats ?? (quick ? 1 : 3) };
}
