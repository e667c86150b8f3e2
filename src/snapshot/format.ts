/**
 * Sizes as Azure ML prints them: its "300.0 MB" limit is 300 MiB, so units
 * here are binary too, with the familiar labels.
 */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) {
    return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  }
  const digits = value >= 100 || Number.isInteger(value) ? 0 : 1;
  return `${value.toFixed(digits)} ${units[unit]}`;
}

/** 1546 → "1,546" independent of the host's locale. */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A piece of a name as shown: `mark` pieces stand for invisible characters. */
export interface INamePart {
  text: string;
  mark: boolean;
}

/** Blanks a name may start or end with, invisible on screen. */
const EDGE_BLANK = /[\s\u00a0\u2000-\u200b\u2028\u2029\u3000\ufeff]/u;

/**
 * A file name as listed on screen, split into plain text and marks: a line
 * break shows as `⏎`, a tab as `⇥`, blanks at either end as `␣`, other
 * control characters as escapes (`\r`, `\x07`), so `new\nline.txt` cannot
 * pass for `new line.txt`. (`␣` rather than the control pictures such as
 * `␠`, which common fonts, DejaVu included, lack.) Only for display:
 * ignore-file lines and paths handed on stay exact.
 */
export function visibleNameParts(name: string): INamePart[] {
  const chars = [...name];
  let start = 0;
  while (start < chars.length && EDGE_BLANK.test(chars[start])) {
    start++;
  }
  let end = chars.length;
  while (end > start && EDGE_BLANK.test(chars[end - 1])) {
    end--;
  }
  const parts: INamePart[] = [];
  const push = (text: string, mark: boolean) => {
    const last = parts[parts.length - 1];
    if (last && last.mark === mark) {
      last.text += text;
    } else {
      parts.push({ text, mark });
    }
  };
  chars.forEach((ch, i) => {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\n') {
      push('⏎', true);
    } else if (ch === '\t') {
      push('⇥', true);
    } else if (ch === '\r') {
      push('\\r', true);
    } else if (code < 0x20 || (code >= 0x7f && code < 0xa0)) {
      push(`\\x${code.toString(16).padStart(2, '0')}`, true);
    } else if (code === 0x2028 || code === 0x2029) {
      push(`\\u${code.toString(16)}`, true);
    } else if (i < start || i >= end) {
      push('␣', true);
    } else {
      push(ch, false);
    }
  });
  return parts;
}

/** `visibleNameParts` as one string, for plain-text places (toasts, titles). */
export function visibleName(name: string): string {
  return visibleNameParts(name)
    .map(p => p.text)
    .join('');
}

/** 42 → "42 s", 200 → "3 min 20 s", 4000 → "1 h 7 min" (rounded up). */
export function formatDuration(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) {
    return `${s} s`;
  }
  if (s < 3600) {
    const m = Math.floor(s / 60);
    const rest = s % 60;
    return rest === 0 ? `${m} min` : `${m} min ${rest} s`;
  }
  const m = Math.ceil(s / 60);
  const h = Math.floor(m / 60);
  return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
}
