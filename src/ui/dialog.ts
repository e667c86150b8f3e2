/**
 * A JupyterLab `Dialog` with a React body that reports its value and
 * validity, shared by the snapshot dialogs.
 */
import { Dialog } from '@jupyterlab/apputils';
import { ReactWidget } from '@jupyterlab/ui-components';
import type * as React from 'react';

/** What Tab stops at. */
const FOCUSABLE = [
  'button:not([disabled])',
  'input:not([disabled]):not([type="hidden"])',
  'select:not([disabled])',
  'textarea:not([disabled])',
  'a[href]',
  'summary',
  '[tabindex]:not([tabindex="-1"])'
].join(',');

/** What a dialog body tells its dialog after every change. */
export interface IBodyState<T> {
  /** The value the dialog resolves with when accepted. */
  value: T;
  /** False disables the accepting buttons (Write, Copy). */
  valid: boolean;
  /**
   * Not ready, though no problem is shown yet (a required field still
   * untouched): accepting does not close the dialog but tells the body
   * (`attempts` goes up), which then shows what is missing.
   */
  hold?: boolean;
}

/** The callback a body component reports its state through. */
export type BodyReporter<T> = (state: IBodyState<T>) => void;

/**
 * A React dialog body. The component gets a `report` callback and calls it
 * (from an effect) whenever its value or validity changes, and the number
 * of times the user tried to accept while it held.
 */
export class GuardBody<T> extends ReactWidget implements Dialog.IBodyWidget<T> {
  constructor(
    private readonly _renderBody: (
      report: BodyReporter<T>,
      attempts: number
    ) => React.ReactElement,
    initial: IBodyState<T>
  ) {
    super();
    this._state = initial;
  }

  /** Called after each report; the dialog re-checks its buttons. */
  onReport: (() => void) | null = null;

  get valid(): boolean {
    return this._state.valid;
  }

  get hold(): boolean {
    return this._state.hold ?? false;
  }

  /** The user tried to accept while the body held: render it again. */
  attempt(): void {
    this._attempts++;
    this.update();
  }

  getValue(): T {
    return this._state.value;
  }

  protected render(): React.ReactElement {
    return this._renderBody(this._report, this._attempts);
  }

  private readonly _report: BodyReporter<T> = state => {
    this._state = state;
    this.onReport?.();
  };

  private _state: IBodyState<T>;
  private _attempts = 0;
}

export interface IGuardDialogOptions<T> {
  title: string;
  body: GuardBody<T>;
  buttons: Dialog.IButton[];
  /** Index of the button Enter presses; the last one when left out. */
  defaultButton?: number;
  /** CSS selector of the body element to focus on open. */
  focusNodeSelector?: string;
  /**
   * True when the element that has the focus handles Enter itself (such as
   * a text field that adds what was typed), instead of accepting the dialog.
   */
  ownsEnter?: (target: Element) => boolean;
}

/**
 * JupyterLab's dialog, plus: accepting buttons follow the body's validity,
 * and chosen elements may keep Enter for themselves. Only public API: the
 * dialog's DOM events all reach `handleEvent` (the EventListener it
 * registers for itself), which sees them first.
 */
export class GuardDialog<T> extends Dialog<T> {
  constructor(options: IGuardDialogOptions<T>) {
    const defaultButton = options.defaultButton ?? options.buttons.length - 1;
    super({
      title: options.title,
      body: options.body,
      buttons: options.buttons,
      defaultButton,
      focusNodeSelector: options.focusNodeSelector ?? '',
      hasClose: true
    });
    this.addClass('jp-SnapshotGuard-dialog');
    this._guardBody = options.body;
    this._guardButtons = options.buttons;
    this._guardDefault = defaultButton;
    this._ownsEnter = options.ownsEnter ?? null;
    options.body.onReport = () => this._syncButtons();
  }

  resolve(index?: number): void {
    const button = this._guardButtons[index ?? this._guardDefault];
    if (button?.accept && !this._guardBody.valid) {
      return;
    }
    if (button?.accept && this._guardBody.hold) {
      this._guardBody.attempt();
      return;
    }
    super.resolve(index);
  }

  handleEvent(event: Event): void {
    if (event.type === 'keydown' && this._keydown(event as KeyboardEvent)) {
      return;
    }
    super.handleEvent(event);
    if (event.type === 'input') {
      // JupyterLab 4.1+ turns accepting buttons off while an input is
      // :invalid (an empty required field), on every input; 4.0 does not.
      this._syncButtons();
    }
  }

  /** True when the key is ours and the base dialog must not see it. */
  private _keydown(event: KeyboardEvent): boolean {
    if (
      event.key === 'Enter' &&
      event.target instanceof Element &&
      (opensOnEnter(event.target) ||
        (this._ownsEnter !== null && this._ownsEnter(event.target)))
    ) {
      // Let the element act (a bar opens its folder, a summary its details);
      // the base dialog would swallow Enter or accept the dialog instead.
      return true;
    }
    if (event.key === 'Tab' && this._cycleFocus(event.shiftKey)) {
      event.preventDefault();
      event.stopPropagation();
      return true;
    }
    return false;
  }

  /**
   * Accepting buttons: off while the body is invalid; on while it holds
   * (pressing one then shows what is missing); otherwise off while an input
   * is :invalid or marked in error, JupyterLab 4.1+'s own rule, which 4.0
   * lacks.
   */
  private _syncButtons(): void {
    const off =
      !this._guardBody.valid ||
      (!this._guardBody.hold &&
        this.node.querySelector(':invalid, .jp-mod-error') !== null);
    this.node
      .querySelectorAll<HTMLButtonElement>(
        '.jp-Dialog-footer button.jp-mod-accept'
      )
      .forEach(button => {
        button.disabled = off;
      });
  }

  /**
   * Keep Tab inside the dialog, through the body too. (The base class
   * wraps to the first focusable element it found on attach, before a
   * React body has rendered: the footer's first button.)
   */
  private _cycleFocus(backwards: boolean): boolean {
    const focusable = Array.from(
      this.node.querySelectorAll<HTMLElement>(FOCUSABLE)
    ).filter(el => el.getClientRects().length > 0);
    if (focusable.length === 0) {
      return false;
    }
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    const active = document.activeElement;
    if (!backwards && active === last) {
      first.focus();
      return true;
    }
    if (backwards && active === first) {
      last.focus();
      return true;
    }
    return false;
  }

  private _guardBody: GuardBody<T>;
  private _guardButtons: Dialog.IButton[];
  private _guardDefault: number;
  private _ownsEnter: ((target: Element) => boolean) | null;
}

/** A control in the dialog (not a footer button) that Enter activates. */
function opensOnEnter(target: Element): boolean {
  return (
    target.matches('button, summary, a[href]') &&
    target.closest('.jp-Dialog-footer') === null
  );
}

/**
 * Show a dialog; `null` when it was closed without a result (disposed, or
 * another dialog flushed it).
 */
export async function launch<T>(
  dialog: GuardDialog<T>
): Promise<Dialog.IResult<T> | null> {
  try {
    return await dialog.launch();
  } catch {
    return null;
  }
}

/**
 * The value of a dialog the user accepted; `null` when it was cancelled or
 * closed without a value.
 */
export async function acceptedValue<T>(
  dialog: GuardDialog<T>
): Promise<T | null> {
  const result = await launch(dialog);
  return result !== null && result.button.accept
    ? (result.value ?? null)
    : null;
}
