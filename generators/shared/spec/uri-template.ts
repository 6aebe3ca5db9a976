/**
 * Variable names of an RFC 6570 URI template, in order of first appearance:
 * `notes://{id}` → [id]; `files://{+path}{?q,lang}` → [path, q, lang]; `x://{/seg*}` → [seg].
 * Operators (+ # . / ; ? &) and modifiers (`*`, `:3`) are not part of the name.
 */
export function uriTemplateVariables(uri: string): string[] {
  const names: string[] = [];
  for (const match of uri.matchAll(/\{([^{}]*)\}/g)) {
    const body = match[1]!.replace(/^[+#./;?&=,!@|]/, '');
    for (const spec of body.split(',')) {
      const name = spec.replace(/\*$/, '').replace(/:\d+$/, '').trim();
      if (name && !names.includes(name)) names.push(name);
    }
  }
  return names;
}
