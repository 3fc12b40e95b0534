// Values the v2 examples use. The spec shows them as they are; the example tests swap the
// placeholders for ids that exist (a VM they created, its assignment, an operation).
export const EXAMPLE = {
  cloud: 'default',
  vmId: '0b7f4c52-6a1e-4a43-9d55-1f2ec3a8b001',
  assignmentId: 'default:1',
  operationId: '5a0e8d8e-1c1f-4d8f-a3c1-7c2f3f3b9e10',
  missingCloud: 'no-such-cloud',
} as const;
