import { createCisternTracker } from '../../src/cistern/cistern-client.js';
import { silentLogger } from '../support/silent-logger.js';
import { startCisternDouble } from '../support/cistern/cistern-double.js';
import { describeTrackerContract } from './tracker-contract.js';

describeTrackerContract('cistern client against the double', async () => {
  const double = await startCisternDouble({ token: 'contract-token' });
  const tracker = createCisternTracker({ url: double.url, timeoutMs: 2_000, token: 'contract-token', probeCloud: 'alpha' }, silentLogger);
  return {
    tracker,
    seed: async (cloud, records) => void double.seed(cloud, records),
    markFaulty: async (cloud, hostname) => double.records.setStatus(cloud, hostname, 'FAULTY'),
    close: () => double.close(),
  };
});

// Cistern's Flask app may answer its refusals with a 4xx instead of 200: same contract.
describeTrackerContract('cistern client against a double answering refusals with HTTP 400', async () => {
  const double = await startCisternDouble({ errorHttpStatus: 400 });
  const tracker = createCisternTracker({ url: `${double.url}/`, timeoutMs: 2_000 }, silentLogger);
  return {
    tracker,
    seed: async (cloud, records) => void double.seed(cloud, records),
    markFaulty: async (cloud, hostname) => double.records.setStatus(cloud, hostname, 'FAULTY'),
    close: () => double.close(),
  };
});
