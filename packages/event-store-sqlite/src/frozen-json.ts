/**
 * Freezes `value` in place, deeply, when it is exactly what JSON.parse(JSON.stringify(value))
 * would give back: strings, booleans, finite numbers other than -0, null, arrays without holes
 * or undefined elements, and objects made by `{}` or JSON.parse whose values are all such. Then
 * readers may share it instead of each parsing the stored text, and nobody can change it after
 * it was written. Anything else (a Date, undefined fields, a class instance, NaN) is left as it
 * is and false is answered: its readers parse the text, as the file would give it.
 *
 * Not checked, because neither JSON.parse nor a validator ever makes them: symbol keys,
 * non-enumerable properties and getters, and non-index properties of arrays. Never throws.
 */
export function freezeIfJsonValue(value: unknown): boolean {
  const objects: object[] = [];
  try {
    if (!isJsonValue(value, objects)) return false;
    for (const object of objects) Object.freeze(object);
    return true;
  } catch {
    // A getter or a proxy that throws: not a value to share. The store calls this after its
    // INSERT; a throw from here would fail an append whose rows stay written.
    return false;
  }
}

function isJsonValue(value: unknown, objects: object[]): boolean {
  if (typeof value === 'string' || typeof value === 'boolean' || value === null) return true;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  // Functions, symbols, bigints and undefined: JSON has none.
  if (typeof value !== 'object') return false;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return false;
    for (let i = 0; i < value.length; i++) {
      const element: unknown = value[i];
      if (element === undefined || !isJsonValue(element, objects)) return false;
    }
  } else {
    if (Object.getPrototypeOf(value) !== Object.prototype) return false;
    const object = value as Record<string, unknown>;
    for (const key in object) {
      const field = object[key];
      if (field === undefined || !isJsonValue(field, objects)) return false;
    }
  }
  objects.push(value);
  return true;
}
