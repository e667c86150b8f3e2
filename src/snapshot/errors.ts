/**
 * The words of an error, whatever was thrown: an `Error`, an object with a
 * `message` (a kernel's error reply, a DOMException), or anything else.
 */
export function errorMessage(err: unknown): string {
  if (err && typeof err === 'object' && 'message' in err) {
    return String((err as { message: unknown }).message);
  }
  return String(err);
}
