// The life of an operation (a start, a delete, a release …), in the words every layer shares: the
// store persists these states, services drive them, the APIs list and filter by them.

export const OPERATION_STATES = ['queued', 'running', 'succeeded', 'failed', 'interrupted'] as const;
export type OperationState = (typeof OPERATION_STATES)[number];
/** The states an operation can leave: every write is conditional on them, so a final state is final. */
export const UNFINISHED_STATES = ['queued', 'running'] as const satisfies OperationState[];
