/*
 * How a kpaas action lays out the message of a failure that carries a tool's raw output
 * (Terraform, Vagrant, a remote step): the explanation first (the classified cause and its fix
 * where one is known, then what failed), then a heading line and the last lines of the raw
 * output. The task page shows the explanation and keeps the raw tail collapsed.
 */

/** The line between the explanation and the raw output tail. */
export const OUTPUT_TAIL_HEADING = 'Last lines of its output:';

/** `message`, then the raw output tail under OUTPUT_TAIL_HEADING (nothing when it is empty). */
export function withOutputTail(message: string, tail: string): string {
  return tail.trim() ? `${message}\n${OUTPUT_TAIL_HEADING}\n${tail}` : message;
}

export interface TaskFailureParts {
  /** What went wrong and what to do, as the action explained it. */
  explanation: string;
  /** The tool's raw output tail, when the message carries one. */
  tail?: string;
}

// OUTPUT_TAIL_HEADING, or the SSH executor's "; last 20 lines:" / "; last lines:"
const TAIL_START =
  /(?:\n|; )(?:Last lines of its output|last(?: \d+)? lines):\n/;

/** Splits a failure message into the explanation and the raw output tail. */
export function splitTaskFailure(message: string): TaskFailureParts {
  const start = TAIL_START.exec(message);
  if (!start) return { explanation: message.trim() };
  const tail = message.slice(start.index + start[0].length).replace(/\s+$/, '');
  return {
    explanation: message.slice(0, start.index).trim(),
    ...(tail ? { tail } : {}),
  };
}
