import { describeDriverContract } from './driver-contract.js';
import { startEc2TestCloud, TEST_IMAGE_ID, TEST_SIZE_ID } from '../support/ec2/ec2-test-cloud.js';

describeDriverContract('ec2', async () => {
  const cloud = await startEc2TestCloud();
  return {
    driver: cloud.driver,
    imageId: TEST_IMAGE_ID,
    sizeId: TEST_SIZE_ID,
    keyName: 'default',
    idempotentCreate: true,
    close: () => cloud.close(),
  };
});
