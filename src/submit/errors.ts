/** Errors of a submission, worded for the user. */

/** A submission failed; `message` says why and what to do. */
export class SubmitError extends Error {
  constructor(
    message: string,
    readonly options: {
      /** The dialog title, e.g. "Azure ML job not submitted". */
      title?: string;
      /** Technical detail shown folded under the message. */
      details?: string;
      cause?: unknown;
    } = {}
  ) {
    super(message, { cause: options.cause });
    this.name = 'SubmitError';
  }
}

/**
 * The user stopped the submission (Cancel); the target already told them.
 * The flow ends quietly.
 */
export class SubmitCancelled extends Error {
  constructor(message = 'The submission was cancelled.') {
    super(message);
    this.name = 'SubmitCancelled';
  }
}

/** An error's type as the helper kernel reported it, if it is one. */
export function helperErrorType(err: unknown): string | null {
  if (err && typeof err === 'object' && 'type' in err) {
    const type = (err as { type: unknown }).type;
    return typeof type === 'string' ? type : null;
  }
  return null;
}

/** An error's technical detail as the helper kernel reported it, if any. */
export function helperErrorDetail(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'detail' in err) {
    const detail = (err as { detail: unknown }).detail;
    return typeof detail === 'string' && detail !== '' ? detail : undefined;
  }
  return undefined;
}
