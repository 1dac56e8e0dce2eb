type Plain = Record<string, unknown>;

function isPlainObject(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Deep merge with one predictable rule set: objects merge key by key, arrays and scalars replace
 * (a repo that lists `exclude` globs means exactly those, not the org's plus its own).
 */
export function mergeConfig(layers: Plain[]): Plain {
  return layers.reduce<Plain>((merged, layer) => mergeTwo(merged, layer), {});
}

function mergeTwo(base: Plain, top: Plain): Plain {
  const result: Plain = { ...base };
  for (const [key, value] of Object.entries(top)) {
    if (key === '_extends') continue;
    const existing = result[key];
    result[key] = isPlainObject(existing) && isPlainObject(value) ? mergeTwo(existing, value) : value;
  }
  return result;
}
