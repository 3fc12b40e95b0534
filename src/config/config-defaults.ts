// What `npm start` serves with no configuration at all: two fake clouds, no account needed.
export function defaultClouds(): Record<string, unknown>[] {
  return [
    { name: 'default', driver: 'fake', default: true, options: { latencyMs: 5, bootDelayMs: 1500, seed: 1 } },
    { name: 'fake-east', driver: 'fake', aliases: ['east'], options: { latencyMs: 20, jitterMs: 10, bootDelayMs: 3000, seed: 2 } },
  ];
}
