import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { ElicitationHandler } from '../client/index.js';

/** One field of an elicitation form, read loosely: the spec's primitive and enum schemas share these keys. */
interface FieldSchema {
  type?: string;
  title?: string;
  description?: string;
  default?: unknown;
  enum?: string[];
  oneOf?: { const: string; title?: string }[];
  items?: { enum?: string[]; anyOf?: { const: string; title?: string }[] };
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
}

const DECLINE = '!decline';
const CANCEL = '!cancel';

/** The values a single- or multi-select field allows, if it is one. */
function choicesOf(field: FieldSchema): string[] | undefined {
  const options = field.type === 'array' ? (field.items?.enum ?? field.items?.anyOf?.map((o) => o.const)) : (field.enum ?? field.oneOf?.map((o) => o.const));
  return options?.length ? options : undefined;
}

/** A typed answer, or why the text is not one. */
export function parseAnswer(field: FieldSchema, text: string): { value: unknown } | { error: string } {
  const choices = choicesOf(field);
  if (field.type === 'array') {
    const picked = text
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean);
    const unknown = picked.filter((value) => !choices?.includes(value));
    return unknown.length ? { error: `not one of ${choices?.join(', ')}: ${unknown.join(', ')}` } : { value: picked };
  }
  if (choices) return choices.includes(text) ? { value: text } : { error: `choose one of ${choices.join(', ')}` };
  if (field.type === 'boolean') {
    if (/^(y|yes|true)$/i.test(text)) return { value: true };
    return /^(n|no|false)$/i.test(text) ? { value: false } : { error: 'answer y or n' };
  }
  if (field.type === 'number' || field.type === 'integer') {
    const value = Number(text);
    if (Number.isNaN(value) || (field.type === 'integer' && !Number.isInteger(value)))
      return { error: `enter ${field.type === 'integer' ? 'a whole number' : 'a number'}` };
    if ((field.minimum !== undefined && value < field.minimum) || (field.maximum !== undefined && value > field.maximum))
      return { error: `enter a number from ${field.minimum ?? '-∞'} to ${field.maximum ?? '∞'}` };
    return { value };
  }
  if ((field.minLength !== undefined && text.length < field.minLength) || (field.maxLength !== undefined && text.length > field.maxLength)) {
    return { error: `enter ${field.minLength ?? 0} to ${field.maxLength ?? '∞'} characters` };
  }
  return { value: text };
}

/** The question for one field: its title, what it is for, its choices and its default. */
function questionFor(name: string, field: FieldSchema, required: boolean): string {
  const choices = choicesOf(field);
  const hints = [field.description, choices ? choices.join('|') : field.type === 'boolean' ? 'y/n' : undefined].filter(Boolean).join('; ');
  const fallback =
    field.default !== undefined ? ` [${Array.isArray(field.default) ? field.default.join(',') : String(field.default)}]` : required ? '' : ' (optional)';
  return `${field.title ?? name}${hints ? ` (${hints})` : ''}${fallback}: `;
}

/**
 * Answers a form-mode elicitation by asking on a terminal, one question per field: Enter keeps the default (or skips
 * an optional field), an invalid answer is asked again, `!decline` or `!cancel` refuses, and end of input cancels.
 */
export function terminalElicitation(input: Readable, output: Writable): ElicitationHandler {
  return async (request, { signal }) => {
    const terminal = createInterface({ input, output, terminal: (input as { isTTY?: boolean }).isTTY === true });
    terminal.once('SIGINT', () => terminal.close());
    // Lines are read through the iterator, which buffers them: answers piped in ahead of the questions are kept.
    const lines = terminal[Symbol.asyncIterator]();
    const aborted = new Promise<never>((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));
    aborted.catch(() => undefined);
    const ask = async (question: string): Promise<string> => {
      output.write(question);
      const line = await Promise.race([lines.next(), aborted]);
      return line.done ? CANCEL : line.value.trim();
    };
    try {
      output.write(`\n${request.message}\n(Enter keeps the [default]; ${DECLINE} or ${CANCEL} refuses.)\n`);
      const content: Record<string, unknown> = {};
      const required = new Set(request.requestedSchema.required ?? []);
      for (const [name, field] of Object.entries(request.requestedSchema.properties as Record<string, FieldSchema>)) {
        for (;;) {
          const text = await ask(questionFor(name, field, required.has(name)));
          if (text === DECLINE) return { action: 'decline' };
          if (text === CANCEL) return { action: 'cancel' };
          if (text === '') {
            if (field.default !== undefined) content[name] = field.default;
            if (field.default !== undefined || !required.has(name)) break;
            output.write(`  ${field.title ?? name} is required\n`);
            continue;
          }
          const parsed = parseAnswer(field, text);
          if ('value' in parsed) {
            content[name] = parsed.value;
            break;
          }
          output.write(`  ${parsed.error}\n`);
        }
      }
      return { action: 'accept', content: content as Record<string, string | number | boolean | string[]> };
    } finally {
      terminal.close();
    }
  };
}
