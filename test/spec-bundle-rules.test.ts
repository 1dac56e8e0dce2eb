import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { specBundleCheck } from '../app/checks/spec-bundle/index.js';
import { specBundleOptionsSchema } from '../app/checks/spec-bundle/options.js';

const CHECK_DIR = fileURLToPath(new URL('../app/checks/spec-bundle/', import.meta.url));

describe('spec-bundle rule registry', () => {
  it('describes every rule with a kebab-case id, a severity and a docs URL', () => {
    const ids = specBundleCheck.rules.map((rule) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of specBundleCheck.rules) {
      expect(rule.id).toMatch(/^[a-z]+(?:-[a-z]+)*$/);
      expect(['error', 'warning', 'notice']).toContain(rule.defaultSeverity);
      expect(rule.description.length).toBeGreaterThan(20);
      expect(rule.docsUrl).toBe(`https://github.com/platform-kit/platform-kit/blob/main/app/checks/spec-bundle/docs/${rule.id}.md`);
    }
  });

  it('has one rule module and one doc per rule, and no stray ones', () => {
    const ids = specBundleCheck.rules.map((rule) => rule.id).sort();
    const modules = readdirSync(`${CHECK_DIR}rules`).map((file) => file.replace(/\.ts$/, '')).sort();
    const docs = readdirSync(`${CHECK_DIR}docs`).map((file) => file.replace(/\.md$/, '')).sort();
    expect(modules).toEqual(ids);
    expect(docs).toEqual(ids);
  });

  it.each(specBundleCheck.rules.map((rule) => [rule.id]))('documents %s: what, why, a bad and a good example, configuration', (id) => {
    const path = `${CHECK_DIR}docs/${id}.md`;
    expect(existsSync(path)).toBe(true);
    const doc = readFileSync(path, 'utf8');
    expect(doc).toMatch(new RegExp(`^# spec-bundle/${id}\\n`));
    for (const section of ['## What it catches', '## Why', '## How to fix', '## Configure']) expect(doc).toContain(section);
    expect(doc).toMatch(/Bad/);
    expect(doc).toMatch(/Good/);
  });

  it('parses its default options', () => {
    const options = specBundleOptionsSchema.parse({});
    expect(options.significantLines).toBe(500);
    expect(options.layouts.map((layout) => layout.root)).toEqual(['spec', 'specs']);
    expect(() => specBundleOptionsSchema.parse({ significantLine: 10 })).toThrow(/significantLine/);
  });
});
