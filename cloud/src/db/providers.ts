export const PROVIDERS = ["sqlite", "postgresql"] as const;
export type Provider = (typeof PROVIDERS)[number];

/**
 * The committed schema names sqlite; the PostgreSQL variant differs only in its provider line (JSON is kept as text,
 * so the models are the same on both) and, when generating, the client's output directory.
 */
export function renderSchema(source: string, provider: Provider, output?: string): string {
  let rendered = source.replace(/provider\s*=\s*"sqlite"/, `provider = "${provider}"`);
  if (output !== undefined)
    rendered = rendered.replace(/output\s*=\s*"[^"]*"/, `output = "${output.replaceAll("\\", "/")}"`);
  return rendered;
}
