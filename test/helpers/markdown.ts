import { readFileSync } from 'node:fs';

/** The fenced code blocks of a Markdown file tagged with `language`, in order. */
export function codeBlocks(file: string, language: string): string[] {
  const blocks: string[] = [];
  const pattern = /^```(\S*)\n([\s\S]*?)^```$/gm;
  for (const [, tag, body] of readFileSync(file, 'utf8').matchAll(pattern)) if (tag === language) blocks.push(body);
  return blocks;
}

/** The text of one `## heading` section, up to the next heading of the same level. */
export function section(file: string, heading: string): string {
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`${file} has no "## ${heading}" section`);
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end < 0 ? undefined : end);
}
