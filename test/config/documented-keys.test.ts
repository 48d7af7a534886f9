import { readFileSync } from 'node:fs';
import path from 'node:path';
import { configOptions } from '../../src/config';
import { REPO_ROOT } from '../helpers/paths';

// Every key of the schema is documented where users look: a README table row with its env and
// flag, and a mention in ndphost.example.toml.
describe('documented config keys', () => {
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const example = readFileSync(path.join(REPO_ROOT, 'ndphost.example.toml'), 'utf8');
  const settings = configOptions.filter((option) => option.key !== 'PluginConfig');

  it.each(settings.map((option) => [option.key, option] as const))('%s has a README row with its env and flag', (key, option) => {
    const row = readme.split('\n').find((line) => line.startsWith(`| \`${key}\` |`));
    expect(row).toBeDefined();
    if (option.env) expect(row).toContain(`\`${option.env}\``);
    if (option.flag) expect(row).toContain(`\`--${option.flag}\``);
  });

  it.each(settings.map((option) => [option.key, option] as const))('%s is in ndphost.example.toml', (key) => {
    const name = key.split('.').pop() as string;
    expect(example).toMatch(new RegExp(`^#? ?${name} = `, 'm'));
  });
});
